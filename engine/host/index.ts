export {
  startHost,
  DEFAULT_RENDERER_DIR,
  HOST_VERSION,
  MAX_BODY_BYTES,
  MAX_WS_MESSAGE_BYTES,
  MAX_IN_FLIGHT,
  type Host,
  type HostOptions,
  type HostEngine,
} from './server';
export {
  CommandGateway,
  Confirmations,
  CONFIRMATION_TTL_MS,
  canonicalJson,
  httpStatusOf,
  type CallFailure,
  type CallResult,
  type GatewayEngine,
} from './gateway';
export { isLoopbackHost, tokenMatches } from './security';
