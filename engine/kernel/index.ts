export { systemClock, ManualClock, isoTime, type Clock } from './clock';
export { HarvestError, isHarvestError, toHarvestError, type ErrorCode } from './errors';
export { createLogger, silentLogger, REDACTED_FIELDS, type Logger, type LoggerOptions } from './logger';
export { defaultDataDir, canonicalDataDir, dataDirId, dataDirLayout, APP_NAME, type DataDirLayout } from './paths';
export { faultPoint } from './faults';
export { OwnerLock, readOwner, type OwnerInfo } from './owner-lock';
export {
  serveControlChannel,
  callControlChannel,
  type ControlServer,
  type ControlHandler,
  type ControlRequest,
  type ControlResponse,
} from './control-channel';
export { EventBus, type EventListener, type EventPersister } from './event-bus';
export { tightenDataDir, type PermissionFs } from './private-dir';
export { JobFeed, JOB_UPDATES_PER_SECOND } from './job-feed';
