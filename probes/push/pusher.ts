import type { Secret } from "../../config/secret.js";
import { systemClock, type Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { AgentState, OutboxRecord } from "../state/agent-state.js";
import { DeadLetters } from "./dead-letter.js";
import { verdictOf, type Verdict } from "./verdict.js";

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
  /** The collector's base URL (config `collector.url`). */
  url: string;
  /** This agent's token: it identifies the vantage point. */
  token: Secret | string;
  log: Pick<Logger, "info" | "warn" | "error">;
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

/** Exponential backoff with "equal jitter": half fixed, half random, at most `max`. */
export function retryDelay(failures: number, min: number, max: number): number {
  const cap = Math.min(max, min * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

/** Starts draining `state.outbox` to `url`. */
export function startPusher(opts: PusherOptions): Pusher {
  const { state, log } = opts;
  const clock = opts.clock ?? systemClock;
  const endpoint = `${opts.url.replace(/\/+$/, "")}/api/v1/ingest`;
  const token = typeof opts.token === "string" ? opts.token : opts.token.reveal();
  const dead = new DeadLetters(state);
  const maxSeq = state.db.prepare("SELECT max(seq) AS m FROM outbox");
  let limit = opts.batchSize ?? 500;
  let isolateLeft = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let abort: AbortController | undefined;
  const waiters: Waiter[] = [];
  const stats: PusherStats = { acknowledged: 0, duplicates: 0, quarantined: 0, failures: 0 };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const settle = () => {
    const head = state.outbox.pending(1)[0]?.seq;
    for (const w of waiters.splice(0)) {
      if (head === undefined || head > w.through) w.resolve();
      else waiters.push(w);
    }
  };

  const post = async (batch: OutboxRecord[]): Promise<Verdict> => {
    abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(opts.requestTimeout ?? 30_000)]);
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ records: batch.map((r) => ({ type: r.type, payload: r.payload })) }),
        signal,
      });
      const text = await res.text();
      let body: object = {};
      try {
        body = JSON.parse(text) as object;
      } catch {
        // not our collector's JSON (a proxy's error page): the status decides
      }
      const verdict = verdictOf(res.status, body, batch.length);
      const dup = (body as { duplicates?: unknown }).duplicates;
      if (verdict.kind === "ack" && typeof dup === "number") stats.duplicates += dup;
      return verdict;
    } catch (err) {
      return { kind: "retry", loud: false, reason: String((err as Error).cause ?? err) };
    }
  };

  const apply = (v: Verdict, batch: OutboxRecord[]) => {
    if (v.kind === "ack") {
      state.outbox.ack(batch.map((r) => r.seq));
      stats.acknowledged += batch.length;
      isolateLeft = Math.max(0, isolateLeft - batch.length);
    } else if (v.kind === "quarantine") {
      const bad = v.indices.map((i) => batch[i]!);
      for (const r of bad) {
        const id = (r.payload as { id?: unknown } | null)?.id;
        log.error(
          { seq: r.seq, type: r.type, id, code: v.code, reason: v.message },
          "collector refused a record: quarantined in dead_letter",
        );
      }
      dead.quarantine(bad, { status: v.status, code: v.code, message: v.message }, clock.now());
      stats.quarantined += bad.length;
      isolateLeft = Math.max(0, isolateLeft - 1);
    } else if (v.kind === "shrink") {
      log.warn(
        { batch: batch.length, next: v.size, reason: v.reason },
        "collector refused the batch: sending smaller batches",
      );
      if (v.isolate) isolateLeft = batch.length;
      else limit = v.size;
    }
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      const batch = state.outbox.pending(isolateLeft > 0 ? 1 : limit);
      if (batch.length === 0) {
        settle();
        await pause(opts.pollInterval ?? 1000);
        continue;
      }
      const verdict = await post(batch);
      if (stopped) break;
      apply(verdict, batch);
      settle();
      if (verdict.kind !== "retry") {
        failures = 0;
        continue;
      }
      failures++;
      stats.failures++;
      const delay = retryDelay(failures, opts.minRetryDelay ?? 500, opts.maxRetryDelay ?? 60_000);
      const fields = { failures, retryInMs: delay, pending: state.outbox.size(), reason: verdict.reason };
      if (verdict.loud) log.error(fields, "collector refuses this agent (check its URL and token); retrying");
      else log.warn(fields, "collector unreachable; retrying");
      await pause(delay);
    }
  };
  const running = loop();

  return {
    stats,
    flush: () =>
      new Promise<void>((resolve, reject) => {
        if (stopped) return reject(new Error("pusher stopped"));
        const through = (maxSeq.get() as { m: number | null }).m;
        if (through === null) return resolve();
        waiters.push({ through, resolve, reject });
        wake?.();
      }),
    stop: async () => {
      stopped = true;
      abort?.abort();
      wake?.();
      await running;
      for (const w of waiters.splice(0)) w.reject(new Error("pusher stopped"));
    },
  };
}
