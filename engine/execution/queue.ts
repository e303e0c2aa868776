/**
 * One order in flight per wallet (orders for the same wallet run in arrival
 * order), many wallets in parallel up to a global limit.
 */
export class WalletQueues {
  private readonly tails = new Map<number, Promise<unknown>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly maxConcurrent: number) {
    if (maxConcurrent < 1) throw new Error('maxConcurrent must be at least 1');
  }

  run<T>(walletKey: number, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(walletKey) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.withSlot(task));
    this.tails.set(walletKey, next);
    void next
      .finally(() => {
        if (this.tails.get(walletKey) === next) this.tails.delete(walletKey);
      })
      .catch(() => undefined);
    return next;
  }

  get active(): number {
    return this.running;
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
