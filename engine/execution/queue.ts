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
    return this.track(
      walletKey,
      prev.catch(() => undefined).then(() => this.withSlot(task)),
    );
  }

  /**
   * Runs `task` in this wallet's turn only if nobody holds or awaits it now; null when it is busy.
   * For background reads (the cycle's flow scan) that must not run alongside the wallet's orders
   * but must not wait behind them either: a slow order of one friend would stall everyone's cycle.
   * It takes no global slot (those bound orders in flight, not reads).
   */
  runIfIdle<T>(walletKey: number, task: () => Promise<T>): Promise<T> | null {
    if (this.tails.has(walletKey)) return null;
    return this.track(walletKey, Promise.resolve().then(task));
  }

  /** `next` becomes the wallet's tail, dropped once it settles unless something queued behind it. */
  private track<T>(walletKey: number, next: Promise<T>): Promise<T> {
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
    // A finishing task hands its slot straight to the next waiter (running stays counted): freeing it
    // first would let a newcomer take it in the microtask before the waiter resumes, one over the limit.
    if (this.running >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
