import type { Secret } from "../../config/secret.js";
import { systemClock, type Clock } from "../../contract/clock.js";
import type { Logger } from "../../contract/log.js";
import type { AgentState, OutboxRecord } from "../state/agent-state.js";
import { DeadLetters } from "./dead-letter.js";
import { sendBatch } from "./send.js";
import type { Verdict } from "./verdict.js";
import { retryDelay } from "../../contract/backoff.js";

/**
 * The agent side of ingestion: drains the agent's durable outbox to the collector in batches with
 * the agent's token. A record leaves the outbox only after the collector answered 2xx (it answers
 * after its transaction committed), so a crash of either side at any moment repeats a batch at
 * worst, and the collector's idempotent ingest absorbs the repeat. While the collector is down or
 * failing, the pusher backs off exponentially with jitter and keeps everything.
 */

/** Options of {@link startPusher}. */
export interface PusherOptions {
  state: AgentState;
  /**
   * The collector's base URL (config `collector.url`), or several: a push that fails (network, 5xx,
   * 401/404) is tried on the next one at once, and the pusher backs off only when every URL has
   * failed in a row; it stays with the one that answers.
   */
  url: string | readonly string[];
  /** This agent's token: it identifies the vantage point. */
  token: Secret | string;
  log: Pick<Logger, "info" | "warn" | "error"> & Partial<Pick<Logger, "debug">>;
  clock?: Clock;
  /** Records per request (default 500); a 413 lowers it for the rest of the run. */
  batchSize?: number;
  /** First retry delay in ms (default 500), doubling per failure... */
  minRetryDelay?: number;
  /** ...up to this (default 60 s). */
  maxRetryDelay?: number;
  /** How often an empty outbox is looked at again, ms (default 1000). */
  pollInterval?: number;
  /** Per-request timeout, ms (default 30 s). */
  requestTimeout?: number;
}

/** What a pusher has done since it started (agent metrics, tests). */
export interface PusherStats {
  /** Records the collector acknowledged (2xx)... */
  acknowledged: number;
  /** ...of which it had stored before (a repeat after a lost answer). */
  duplicates: number;
  /** Records moved to dead_letter. */
  quarantined: number;
  /** Requests that failed and were retried (network, 5xx, 401, ...). */
  failures: number;
}

/** A running pusher. */
export interface Pusher {
  readonly stats: Readonly<PusherStats>;
  /** Sends now (skipping any backoff wait); resolves once every record pending at the call is
   *  acknowledged or quarantined. Rejects if the pusher is stopped first. */
  flush(): Promise<void>;
  /** Stops after aborting the request in progress; unacknowledged records stay in the outbox. */
  stop(): Promise<void>;
}

interface Waiter {
  through: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The loop and its state: batch size, isolation of an unnamed bad record, flush waiters. */
class PushLoop {
  readonly stats: PusherStats = { acknowledged: 0, duplicates: 0, quarantined: 0, failures: 0 };
  readonly running: Promise<void>;
  private readonly endpoints: string[];
  /** Index of the collector URL in use. */
  private current = 0;
  /** Collector URLs that failed in a row since the last answer. */
  private streak = 0;
  private readonly token: string;
  private readonly dead: DeadLetters;
  private readonly waiters: Waiter[] = [];
  private limit: number;
  /** Records still to send one by one, to find the one a 400 did not name (0 once found). */
  private isolateLeft = 0;
  private failures = 0;
  /** The largest body the collector has answered (bytes): a reset above it is taken for "too large". */
  private largestAnswered = 0;
  private stopped = false;
  private wake?: () => void;
  private abort?: AbortController;

  constructor(private readonly opts: PusherOptions) {
    const urls = typeof opts.url === "string" ? [opts.url] : [...opts.url];
    if (urls.length === 0) throw new Error("pusher: no collector URL");
    this.endpoints = urls.map((u) => `${u.replace(/\/+$/, "")}/api/v1/ingest`);
    this.token = typeof opts.token === "string" ? opts.token : opts.token.reveal();
    this.dead = new DeadLetters(opts.state);
    this.limit = opts.batchSize ?? 500;
    this.running = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const batch = this.opts.state.outbox.pending(this.isolateLeft > 0 ? 1 : this.limit);
      if (batch.length === 0) {
        this.settle();
        await this.pause(this.opts.pollInterval ?? 1000);
        continue;
      }
      this.abort = new AbortController();
      const timeout = AbortSignal.timeout(this.opts.requestTimeout ?? 30_000);
      const sent = await sendBatch(
        this.endpoints[this.current]!,
        this.token,
        batch,
        AbortSignal.any([this.abort.signal, timeout]),
      );
      if (this.stopped) break;
      if (sent.reset && sent.bytes > this.largestAnswered && batch.length > 1) {
        // A proxy or server that closes on an oversized body often shows as a reset, never as a
        // 413: halve at once rather than retry the same body blindly.
        const reason = `connection reset after ${sent.bytes} bytes (largest answered: ${this.largestAnswered})`;
        sent.verdict = { kind: "shrink", size: Math.floor(batch.length / 2), isolate: false, reason };
      } else if (!sent.reset && sent.verdict.kind !== "retry") {
        this.largestAnswered = Math.max(this.largestAnswered, sent.bytes);
      }
      this.apply(sent.verdict, batch, sent.duplicates);
      this.settle();
      if (sent.verdict.kind === "retry") await this.failOver(sent.verdict);
      else this.reached();
    }
  }

  private apply(v: Verdict, batch: OutboxRecord[], duplicates: number): void {
    if (v.kind === "ack") {
      this.opts.state.outbox.ack(batch.map((r) => r.seq));
      this.stats.acknowledged += batch.length;
      this.stats.duplicates += duplicates;
      this.isolateLeft = Math.max(0, this.isolateLeft - batch.length);
    } else if (v.kind === "quarantine") {
      this.quarantine(v, batch);
    } else if (v.kind === "shrink") {
      const fields = { batch: batch.length, next: v.size, reason: v.reason };
      this.opts.log.warn(fields, "collector refused the batch: sending smaller batches");
      if (v.isolate) this.isolateLeft = batch.length;
      else this.limit = v.size;
    }
  }

  private quarantine(v: Extract<Verdict, { kind: "quarantine" }>, batch: OutboxRecord[]): void {
    const bad = v.indices.map((i) => batch[i]!);
    for (const r of bad) {
      const id = (r.payload as { id?: unknown } | null)?.id;
      const fields = { seq: r.seq, type: r.type, id, code: v.code, reason: v.message };
      this.opts.log.error(fields, "collector refused a record: quarantined in dead_letter");
    }
    const now = (this.opts.clock ?? systemClock).now();
    this.dead.quarantine(bad, { status: v.status, code: v.code, message: v.message }, now);
    this.stats.quarantined += bad.length;
    this.isolateLeft = 0; // found it; another bad record in the rest makes the next batch isolate again
  }

  /**
   * After a failed push: the next collector URL at once while some have not been tried in this
   * streak of failures, the usual backoff once every one has failed.
   */
  private async failOver(v: Extract<Verdict, { kind: "retry" }>): Promise<void> {
    if (this.endpoints.length > 1) {
      const from = this.endpoints[this.current]!;
      this.current = (this.current + 1) % this.endpoints.length;
      this.streak++;
      this.opts.log.warn(
        { from, to: this.endpoints[this.current], reason: v.reason },
        "collector push failed: trying the next collector URL",
      );
      if (this.streak < this.endpoints.length) {
        this.stats.failures++;
        return;
      }
      this.streak = 0;
    }
    await this.backOff(v);
  }

  private async backOff(v: Extract<Verdict, { kind: "retry" }>): Promise<void> {
    this.failures++;
    this.stats.failures++;
    const delay = retryDelay(
      this.failures,
      this.opts.minRetryDelay ?? 500,
      this.opts.maxRetryDelay ?? 60_000,
    );
    const fields = {
      failures: this.failures,
      retryInMs: delay,
      pending: this.opts.state.outbox.size(),
      reason: v.reason,
    };
    // the first failure says a backlog starts (results wait in the outbox); the retries are debug
    if (this.failures > 1) this.opts.log.debug?.(fields, "collector still not taking results; retrying");
    else if (v.loud)
      this.opts.log.error(
        fields,
        "collector refuses this agent (check its URL and token); results wait in the outbox",
      );
    else this.opts.log.warn(fields, "collector unreachable; results wait in the outbox");
    await this.pause(delay);
  }

  /** A batch got through: ends a backlog (logged once, with what is still to push). */
  private reached(): void {
    this.streak = 0;
    if (this.failures > 0) {
      const fields = { failures: this.failures, pending: this.opts.state.outbox.size() };
      this.opts.log.info(fields, "collector reachable again: pushing the backlog");
    }
    this.failures = 0;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Resolves the flushes whose records have all left the outbox. */
  private settle(): void {
    const head = this.opts.state.outbox.pending(1)[0]?.seq;
    for (const w of this.waiters.splice(0)) {
      if (head === undefined || head > w.through) w.resolve();
      else this.waiters.push(w);
    }
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new Error("pusher stopped"));
      const row = this.opts.state.db.prepare("SELECT max(seq) AS m FROM outbox").get() as {
        m: number | null;
      };
      if (row.m === null) return resolve();
      this.waiters.push({ through: row.m, resolve, reject });
      this.wake?.();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.running;
    for (const w of this.waiters.splice(0)) w.reject(new Error("pusher stopped"));
  }
}

/** Starts draining `state.outbox` to `url`. */
export function startPusher(opts: PusherOptions): Pusher {
  const loop = new PushLoop(opts);
  return { stats: loop.stats, flush: () => loop.flush(), stop: () => loop.stop() };
}
