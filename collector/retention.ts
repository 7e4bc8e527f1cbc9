import type { Logger } from "../contract/log.js";
import type { EngineSetup } from "./sla/timeline.js";
import { compactionRules, compactLedger } from "./store/compact-ledger.js";
import type { CompactionOutcome } from "./store/compaction.js";
import type { CollectorStore } from "./store/types.js";

/**
 * The raw retention of the collector (`collector.retention`): every `every`, the results older than
 * `raw` (up to the start of that UTC day) are compacted into state runs. Whichever collector claims
 * the day's job in the ledger does it, so replicas on one PostgreSQL compact once and never at once.
 */

const DAY = 86_400_000;
/** A compaction claimed but not finished within this is taken over by another collector. */
const LEASE_MS = 6 * 3_600_000;

/** The boundary compaction reaches at `now`: the start of the UTC day `rawMs` ago. */
export function retentionBoundary(now: number, rawMs: number): number {
  return Math.floor((now - rawMs) / DAY) * DAY;
}

/** Compacts up to the boundary of `now` if no collector did (or does) it; undefined when another one has it. */
export async function compactDue(
  store: CollectorStore,
  setup: EngineSetup,
  now: number,
  rawMs: number,
  holder: string,
): Promise<CompactionOutcome | undefined> {
  const before = retentionBoundary(now, rawMs);
  if ((await store.compaction.boundary()) >= before) return undefined;
  const job = `compaction:${new Date(before).toISOString().slice(0, 10)}`;
  const claim = await store.claimJob(job, holder, now, LEASE_MS);
  if (!claim.granted || claim.state !== "claimed") return undefined;
  const outcome = await compactLedger(store, compactionRules(setup), before);
  await store.setJobState(job, holder, "done", now);
  return outcome;
}

/** A running retention timer. */
export interface Retention {
  /** One pass now (the timer runs it too). */
  run(): Promise<CompactionOutcome | undefined>;
  stop(): Promise<void>;
}

/** Starts the retention timer; the first pass runs a minute after start. */
export function startRetention(o: {
  store: CollectorStore;
  setup: EngineSetup;
  rawMs: number;
  everyMs: number;
  holder: string;
  now: () => number;
  log: Pick<Logger, "info" | "error">;
}): Retention {
  let running: Promise<unknown> = Promise.resolve();
  const run = async () => {
    try {
      const done = await compactDue(o.store, o.setup, o.now(), o.rawMs, o.holder);
      if (done) {
        o.log.info(
          { ...done, before: new Date(done.before).toISOString() },
          `retention: results before ${new Date(done.before).toISOString()} compacted (${done.rawRemoved} raw results into ${done.runsWritten} runs)`,
        );
      }
      return done;
    } catch (err) {
      o.log.error({ err }, "retention: compaction failed; raw results are kept and it is tried again");
      return undefined;
    }
  };
  const tick = () => void (running = run());
  const first = setTimeout(tick, 60_000).unref();
  const timer = setInterval(tick, o.everyMs).unref();
  return {
    run,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
