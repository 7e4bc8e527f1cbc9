import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Registry } from "prom-client";
import { buildCollector } from "../collector/app.js";
import { openDatabase } from "../collector/store/db.js";
import { openStore } from "../collector/store/index.js";
import { checkInsertSql, checkRow } from "../collector/store/results.js";
import { Secret } from "../config/secret.js";
import type { ProbeResult } from "../contract/result.js";
import { BENCH_DESCRIBED } from "./probe-rows.js";

/**
 * The three ways the ingest bench stores the same batches: the collector over HTTP, the store's
 * transaction called directly, and a raw INSERT into the same tables. Each is opened once and fed
 * round by round, so all three meet the same disk weather (fsync latency on a shared disk drifts).
 */

/** One round of batches: per agent, the batches it pushes one after another. */
export type Round = ReadonlyMap<string, readonly ProbeResult[][]>;

/** A way of storing batches durably (one committed transaction per batch). */
export interface Sink {
  /** Turns a round into the work to time: serialising happens here, outside the clock. */
  prepare(round: Round): () => Promise<void> | void;
  /** Results stored, checked against what was sent. */
  count(): Promise<number> | number;
  close(): Promise<void>;
}

/** The time every batch carries as its arrival (the raw insert has no clock of its own). */
const RECEIVED_AT = Date.UTC(2026, 0, 1);

/** The round's batches in arrival order (one of each agent in turn), for a single connection. */
function interleaved(round: Round): (readonly ProbeResult[])[] {
  const lists = [...round.values()];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  const out: (readonly ProbeResult[])[] = [];
  for (let i = 0; i < longest; i++) {
    for (const batch of lists.map((l) => l[i])) if (batch) out.push(batch);
  }
  return out;
}

/**
 * The same rows into the store's tables (its own DDL, WAL, synchronous=FULL, its check insert
 * without OR IGNORE), nothing more.
 */
export function rawSink(file: string): Sink {
  const db = openDatabase(file);
  const insert = db.prepare(checkInsertSql("INSERT"));
  const row = (r: ProbeResult) => checkRow(r, RECEIVED_AT);
  const commit = db.transaction((batch: unknown[][]) => {
    for (const r of batch) insert.run(...r);
  });
  return {
    prepare(round) {
      const rows = interleaved(round).map((b) => b.map(row));
      return () => rows.forEach((b) => commit(b));
    },
    count: () => (db.prepare("SELECT count(*) AS n FROM check_results").get() as { n: number }).n,
    close: async () => void db.close(),
  };
}

/** The collector's ingest transaction (idempotency, series index) without HTTP, JSON or schema. */
export function storeSink(file: string): Sink {
  const store = openStore(file);
  return {
    prepare(round) {
      const batches = interleaved(round).map((b) =>
        b.map((payload) => ({ type: "check" as const, payload })),
      );
      return async () => {
        for (const b of batches) await store.ingest(b[0]!.payload.vantage, b, RECEIVED_AT);
      };
    },
    count: async () => (await store.results.counts()).checks,
    close: async () => store.close(),
  };
}

const token = (agent: string) => `bench-agent-token-${agent}`;

/** POSTs bodies one after another, as one agent's pusher does; pushes each ack latency (ms). */
async function push(url: string, agent: string, bodies: readonly string[], latencies: number[]) {
  for (const body of bodies) {
    const t0 = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token(agent)}`, "content-type": "application/json" },
      body,
    });
    const reply = (await res.json()) as { accepted?: number; duplicates?: number };
    latencies.push(performance.now() - t0);
    if (res.status !== 200 || reply.duplicates !== 0) {
      throw new Error(`agent ${agent}: HTTP ${res.status} ${JSON.stringify(reply)}`);
    }
  }
}

/** A sink that also keeps each batch's latency from sending to the acknowledgement. */
export interface CollectorSink extends Sink {
  readonly latencies: number[];
}

/**
 * The real collector app (the deps server.ts gives it, no InfluxDB export, logging off) on a free
 * loopback port; the agents push concurrently, each with its own token, over keep-alive HTTP.
 */
export async function collectorSink(dataDir: string, agents: readonly string[]): Promise<CollectorSink> {
  const store = openStore(join(dataDir, "collector.sqlite"));
  const app = buildCollector(
    {
      store,
      agentTokens: Object.fromEntries(agents.map((a) => [a, new Secret(token(a))])),
      adminToken: new Secret("bench-admin-token"),
      maxBatch: 1000,
      maxBodyBytes: 4 * 1024 * 1024,
      registry: new Registry(),
      described: BENCH_DESCRIBED,
    },
    { logger: false },
  );
  const close = async () => {
    await app.close();
    await store.close();
  };
  try {
    await app.listen({ host: "127.0.0.1", port: 0 });
  } catch (err) {
    await close();
    throw err;
  }
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/ingest`;
  const latencies: number[] = [];
  const body = (b: readonly ProbeResult[]) =>
    JSON.stringify({ records: b.map((payload) => ({ type: "check", payload })) });
  return {
    latencies,
    prepare(round) {
      const bodies = [...round].map(([agent, batches]) => [agent, batches.map(body)] as const);
      return async () => void (await Promise.all(bodies.map(([a, b]) => push(url, a, b, latencies))));
    },
    count: async () => (await store.results.counts()).checks,
    close,
  };
}
