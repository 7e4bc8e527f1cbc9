import { join } from "node:path";
import { collectorSink, rawSink, storeSink, type Round, type Sink } from "./ingest-sinks.js";
import {
  type Bench,
  type BenchContext,
  type Figure,
  figureMaker,
  quantile,
  scratch,
  sig,
  timed,
  type Timing,
} from "./measure.js";
import { agentBatches } from "./probe-rows.js";

/**
 * Durable ingest against the floor SQLite sets on the same disk. The collector answers a batch
 * only after its transaction is on disk (WAL, synchronous=FULL), so an fsync per batch bounds
 * every side; the ratio says what HTTP, JSON, schema validation and idempotency cost on top. The
 * store's transaction without HTTP is timed too, to tell the two layers apart.
 */

/** The load: three agents, each pushing its batches one at a time as the real pusher does. */
export const INGEST_LOAD = {
  agents: ["a", "b", "c"],
  perBatch: 500,
  batchesPerAgent: Number(process.env.MAILSLA_BENCH_BATCHES ?? 80),
  /** The load is cut into rounds and the sides take turns, so disk drift hits all of them. */
  rounds: 4,
} as const;

/** Sixty days ago at midnight UTC: inside the collector's horizon, never ahead of its clock. */
const FROM = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 60 * 86_400_000;
const SIDES = ["collector", "store.ingest", "raw insert"] as const;
type Side = (typeof SIDES)[number];

/** A warm-up round (one batch per agent, untimed) and then the timed rounds. */
function makeRounds(): { warmUp: Round; rounds: Round[]; timedRows: number } {
  const { agents, perBatch, batchesPerAgent, rounds } = INGEST_LOAD;
  const all = agents.map((a, i) => agentBatches(a, batchesPerAgent + 1, perBatch, FROM, 17 + i));
  const cut = (from: number, to: number): Round =>
    new Map(agents.map((a, i) => [a, all[i]!.slice(from, to)]));
  const size = Math.ceil(batchesPerAgent / rounds);
  return {
    warmUp: cut(0, 1),
    rounds: Array.from({ length: rounds }, (_, r) =>
      cut(1 + r * size, 1 + Math.min(batchesPerAgent, (r + 1) * size)),
    ),
    timedRows: agents.length * batchesPerAgent * perBatch,
  };
}

/** Feeds every round to every sink, rotating who goes first; sums each side's wall and CPU time. */
async function runRounds(sinks: Record<Side, Sink>, rounds: readonly Round[]): Promise<Record<Side, Timing>> {
  const total = Object.fromEntries(SIDES.map((s) => [s, { wallSeconds: 0, cpuSeconds: 0 }])) as Record<
    Side,
    { wallSeconds: number; cpuSeconds: number }
  >;
  for (const [r, round] of rounds.entries()) {
    for (let k = 0; k < SIDES.length; k++) {
      const side = SIDES[(r + k) % SIDES.length]!;
      const work = sinks[side].prepare(round);
      const { timing } = await timed(work);
      total[side].wallSeconds += timing.wallSeconds;
      total[side].cpuSeconds += timing.cpuSeconds;
    }
  }
  return total;
}

function figures(timedRows: number, t: Record<Side, Timing>, latencies: readonly number[]): Figure[] {
  const { agents, perBatch, batchesPerAgent } = INGEST_LOAD;
  const batches = agents.length * batchesPerAgent;
  const rate = (side: Side) => timedRows / t[side].wallSeconds;
  const f = figureMaker("ingest");
  const perSide = (side: Side, note: string) => [
    f(`${side}: throughput`, Math.round(rate(side)), "results/s", note),
    f(
      `${side}: wall time`,
      sig(t[side].wallSeconds),
      "s",
      `${sig((t[side].wallSeconds * 1000) / batches)} ms per batch`,
    ),
    f(`${side}: CPU time`, sig(t[side].cpuSeconds), "s", "user + system, whole process"),
  ];
  return [
    f("rows per batch", perBatch, "results"),
    f(
      "batches",
      batches,
      "batches",
      `${agents.length} agents × ${batchesPerAgent}, ${INGEST_LOAD.rounds} rounds`,
    ),
    f("total rows", timedRows, "results", "per side, timed (plus 1 warm-up batch per agent)"),
    ...perSide("collector", "HTTP on loopback, 3 agents at once, ack after commit"),
    f("collector: ack latency p50", sig(quantile(latencies, 0.5)), "ms", "send to 200, per batch"),
    f("collector: ack latency p99", sig(quantile(latencies, 0.99)), "ms"),
    ...perSide("store.ingest", "the collector's transaction, no HTTP"),
    ...perSide("raw insert", "better-sqlite3, same tables, 1 tx per batch"),
    f(
      "ratio collector / raw",
      sig(rate("collector") / rate("raw insert"), 2),
      "×",
      "1 would be SQLite's floor",
    ),
    f("ratio store.ingest / raw", sig(rate("store.ingest") / rate("raw insert"), 2), "×"),
  ];
}

/** The durable-ingest bench as bench/run.ts lists it. */
export const ingestBench: Bench = {
  name: "ingest",
  question: "results/s of the collector's durable ingest vs a raw batched SQLite insert, same disk",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const tmp = scratch(ctx.baseDir, "ingest");
    const opened: Sink[] = [];
    try {
      const { warmUp, rounds, timedRows } = makeRounds();
      ctx.log(`ingest: ${timedRows} results per side in ${tmp.dir}`);
      const collector = await collectorSink(join(tmp.dir, "collector"), INGEST_LOAD.agents);
      opened.push(collector);
      const sinks: Record<Side, Sink> = {
        collector,
        "store.ingest": storeSink(join(tmp.dir, "store", "collector.sqlite")),
        "raw insert": rawSink(join(tmp.dir, "raw", "raw.sqlite")),
      };
      opened.push(sinks["store.ingest"], sinks["raw insert"]);
      await runRounds(sinks, [warmUp]);
      collector.latencies.length = 0;
      const timings = await runRounds(sinks, rounds);
      const expected = timedRows + INGEST_LOAD.agents.length * INGEST_LOAD.perBatch;
      for (const side of SIDES) {
        const n = await sinks[side].count();
        if (n !== expected) throw new Error(`${side} stored ${n} results, expected ${expected}`);
      }
      return figures(timedRows, timings, collector.latencies);
    } finally {
      for (const s of opened) await s.close();
      tmp.remove();
    }
  },
};
