/**
 * Manual orders during the soak, sent to whichever engine is up over its
 * control channel (what `harvest order` does while an engine runs). A call cut
 * off by a kill is sent again with the SAME client id once an engine is back,
 * as a person retrying would: that must never make a second swap.
 */
import Database from 'better-sqlite3';
import { callControlChannel } from '../../engine/kernel/control-channel';
import { dataDirLayout } from '../../engine/kernel/paths';
import { formatUnits, type TokenInfo } from '../../engine/market';
import type { PriceTape } from './floors';
import { TRADED } from './outside';
import { between, pick, type Rng } from './rng';
import { sleep } from './procs';
import type { EngineSupervisor } from './supervisor';

export interface Friend {
  id: number;
  name: string;
  address: string;
}

export interface TraderStats {
  submitted: number;
  /** Outcomes the engine answered, by status (confirmed, failed, rejected, expired, pending). */
  outcomes: Record<string, number>;
  /** Answers that were errors (user errors such as "no open position", or engine errors). */
  errors: Record<string, number>;
  /** Calls cut off by a kill, then re-sent with the same client id. */
  resubmitted: number;
}

interface Order {
  user: string;
  side: 'buy' | 'sell';
  token: string;
  amount: string;
  slippageBps: number;
  clientId: string;
  stopLoss?: number;
  takeProfit?: number;
}

const SLIPPAGE_BPS = 100;

export class Traders {
  readonly stats: TraderStats = { submitted: 0, outcomes: {}, errors: {}, resubmitted: 0 };
  private stopped = false;
  private seq = 0;

  constructor(
    private readonly dir: string,
    private readonly seed: number,
    private readonly friends: readonly Friend[],
    private readonly engine: EngineSupervisor,
    private readonly tape: PriceTape,
    private readonly random: Rng,
  ) {}

  /**
   * `concurrency` streams over all friends, plus one stream for the friend whose wallet will fail,
   * so that friend keeps placing orders (and failing) while the others trade.
   */
  run(concurrency: number, pauseMs: readonly [number, number], failing: Friend | null): Promise<void> {
    const streams = Array.from({ length: concurrency }, () => this.loop(pauseMs, this.friends));
    if (failing) streams.push(this.loop(pauseMs, [failing]));
    return Promise.all(streams).then(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop(pauseMs: readonly [number, number], among: readonly Friend[]): Promise<void> {
    while (!this.stopped) {
      const order = this.next(among);
      if (order) await this.send(order);
      await sleep(between(this.random, pauseMs[0], pauseMs[1]));
    }
  }

  /** A buy with tight exit levels (so exits happen), or a sell of half an open position. */
  private next(among: readonly Friend[]): Order | null {
    const f = pick(this.random, among);
    const token = pick(this.random, TRADED);
    const clientId = `soak-${this.seed}-${++this.seq}`;
    const held = this.openQuantity(f.id, token);
    if (held > 0n && this.random() < 0.35) {
      const amount = formatUnits(held / 2n, token.decimals);
      return { user: f.name, side: 'sell', token: token.symbol, amount, slippageBps: SLIPPAGE_BPS, clientId };
    }
    const price = this.tape.latest(token.mint);
    if (price === null) return null;
    const usd = between(this.random, 5, 25).toFixed(2);
    return {
      user: f.name,
      side: 'buy',
      token: token.symbol,
      amount: usd,
      slippageBps: SLIPPAGE_BPS,
      clientId,
      stopLoss: round(price * (1 - between(this.random, 0.002, 0.01))),
      takeProfit: round(price * (1 + between(this.random, 0.002, 0.01))),
    };
  }

  private async send(o: Order): Promise<void> {
    if (this.stopped) return;
    this.stats.submitted++;
    // Once sent, an order is followed to an answer even after stop(): the same client id until one comes.
    for (let attempt = 0; ; attempt++) {
      const socket = await this.engine.waitUp();
      try {
        const out = (await callControlChannel(socket, 'orders.submit', o, 90_000)) as { status: string };
        this.stats.outcomes[out.status] = (this.stats.outcomes[out.status] ?? 0) + 1;
        return;
      } catch (e) {
        const err = e as { code?: string; message: string };
        const cutOff =
          err.code === 'ECONNREFUSED' ||
          err.code === 'ENOENT' ||
          err.code === 'ECONNRESET' ||
          err.code === 'EPIPE' ||
          /closed the connection|did not answer/u.test(err.message);
        if (!cutOff || attempt >= 20) {
          const key = err.code ?? 'ERROR';
          this.stats.errors[key] = (this.stats.errors[key] ?? 0) + 1;
          return;
        }
        // The engine died under this call: once another is up, the same client id again.
        if (attempt === 0) this.stats.resubmitted++;
        await sleep(300);
      }
    }
  }

  private openQuantity(userId: number, token: TokenInfo): bigint {
    const db = new Database(dataDirLayout(this.dir).db, { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare("SELECT quantity FROM positions WHERE user_id = ? AND mint = ? AND status = 'open'")
        .get(userId, token.mint) as { quantity: string } | undefined;
      return row ? BigInt(row.quantity) : 0n;
    } finally {
      db.close();
    }
  }
}

/** Exit levels are USD prices; 2 significant decimals beyond the cent are plenty. */
const round = (x: number): number => Math.round(x * 10_000) / 10_000;
