export {
  commands,
  commandNames,
  isCommandName,
  needsConfirmation,
  requestsLiveMode,
  User,
  WalletInfo,
  type CommandSpec,
  type Commands,
  type CommandName,
  type CommandInput,
  type ParsedInput,
  type CommandOutput,
} from './contract';
export { parseCommandInput, requireCommandName, describeIssues } from './validate';
export { eventSchemas, Severity, type EventType, type EventPayload, type EngineEvent } from './events';
export { defaultSeverity } from './event-severity';
export {
  EngineCallError,
  HOST_PATHS,
  JobUpdate,
  JobUpdateMessage,
  parseJobUpdate,
  type EngineClient,
  type ClientMessage,
  type ServerMessage,
} from './client';
export { describeSensitive } from './confirmations';
