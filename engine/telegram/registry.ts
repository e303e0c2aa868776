import type { TelegramBridge } from './bridge';

/**
 * The running bridge of an engine, if any. Apart from bridge.ts so the engine's command handlers can
 * reach it without loading grammY: every CLI command loads the handlers, few ever talk to Telegram.
 */
const bridges = new WeakMap<object, TelegramBridge>();

export function registerBridge(engine: object, bridge: TelegramBridge): void {
  bridges.set(engine, bridge);
}

export function bridgeOf(engine: object): TelegramBridge | null {
  return bridges.get(engine) ?? null;
}
