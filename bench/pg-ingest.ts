import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { openPostgresStore } from "../collector/store/postgres/index.js";
import type { CollectorStore } from "../collector/store/types.js";
import { checkRow } from "../collector/store/results.js";
import type { ProbeResult } from "../contract/result.js";
import { allocatePorts, type PortLease } from "../test/stack/ports.js";
import { startPostgres, type PostgresServer } from "../test/stack/postgres.js";
import { bundleAgent, productionNodeFlags } from "./bundle.js";
import {
  type Bench,
  type BenchContext,
  type Figure,
  figureMaker,
  quantile,
  scratch,
  sig,
  timed,
} from "./measure.js";
import { copyFrom, copyText } from "../collector/store/postgres/copy.js";
import { agentBatches } from "./probe-rows.js";

/**
 * Durable ingest into PostgreSQL (issue 13): six agents pushing at once over HTTP to one
 * `mailsla collector` process, and to three replicas of it (two agents each), against a raw
 * `COPY ... FROM STDIN` of the same rows into the same tables: once a COPY per agent batch from six
 * connections at once (the same commits as the collectors make), once one COPY of all the rows.
 * One durable server (fsync, synchronous_commit, full_page_writes on), one database per side; the
 * load is cut into rounds and the sides take turns, so the disk's weather hits all of them alike.
 */

const AGENTS = Number(process.env.MAILSLA_BENCH_PG_AGENTS ?? 6);
const LOAD = {
  agents: Array.from({ length: AGENTS }, (_, i) => `agent${i + 1}`),
  perBatch: 500,
  batchesPerAgent: Number(process.env.MAILSLA_BENCH_PG_BATCHES ?? 30),
  rounds: 3,
} as const;

/** Server settings of a small production PostgreSQL (the defaults but for memory and WAL size). */
export const PG_SETTINGS = { shared_buffers: "1GB", max_wal_size: "4GB" } as const;

const SIDES = [
  "one collector",
  "three replicas",
  "store.ingest",
  "raw COPY per batch",
  "raw COPY bulk",
] as const;
type Side = (typeof SIDES)[number];
type Round = ReadonlyMap<string, readonly ProbeResult[][]>;

/** Sixty days ago at midnight UTC: inside the collector's horizon, never ahead of its clock. */
const FROM = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 60 * 86_400_000;
const RECEIVED_AT = Date.UTC(2026, 0, 1);
const token = (agent: string) => `bench-agent-token-${agent}`;
const tokenEnv = (agent: string) => `MAILSLA_BENCH_TOKEN_${agent.toUpperCase()}`;

/** A collector's configuration: the five services probe-rows.ts makes results of, on `url`. */
function collectorYaml(url: string, dataDir: string): string {
  return `
operator: { name: Bench Mail, totalUsers: 1000000, timeZone: UTC }
segments: [{ name: all, users: 1000000 }]
vantagePoints: [${LOAD.agents.map((a) => `{ name: ${a} }`).join(", ")}]
accounts:
  probe: { username: probe@example.net, password: { env: MAILSLA_BENCH_PROBE_PASSWORD } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - { name: submission, kind: submission, host: 127.0.0.1, account: probe, foreignRecipient: x@example.org }
  - { name: imap, kind: imap, host: 127.0.0.1, account: probe }
  - { name: pop3, kind: pop3, host: 127.0.0.1, account: probe }
  - { name: webmail, kind: webmail, url: "http://127.0.0.1/" }
collector:
  dataDir: "${dataDir}"
  store: { postgres: { url: "${url}", poolSize: 8 } }
  agentTokens:
${LOAD.agents.map((a) => `    ${a}: { env: ${tokenEnv(a)} }`).join("\n")}
  adminToken: { env: MAILSLA_BENCH_ADMIN_TOKEN }
`;
}

/**
 * The CLI as one plain JavaScript file, started through a one-line wrapper: collector/server.ts
 * runs itself when it is process.argv[1], which the bundle (holding it) would be if started directly.
 */
async function cliScript(): Promise<string> {
  const bundle = await bundleAgent(new URL("../cli/main.ts", import.meta.url), "mailsla-cli");
  const wrapper = join(dirname(bundle), "mailsla-cli-main.mjs");
  writeFileSync(wrapper, `import ${JSON.stringify(pathToFileURL(bundle).href)};\n`);
  return wrapper;
}

/**
 * Node options of the collector processes: production's (the bin's `#!` line, as the systemd unit
 * runs `mailsla collector`), then any from MAILSLA_BENCH_COLLECTOR_ARGS (e.g. `--cpu-prof`).
 */
const nodeArgs = () => [
  ...productionNodeFlags(),
  ...(process.env.MAILSLA_BENCH_COLLECTOR_ARGS ?? "").split(/\s+/).filter(Boolean),
];

/** One `mailsla collector` process (the compiled CLI, plain node) on its own port. */
class CollectorProcess {
  private child?: ChildProcess;
  constructor(
    readonly script: string,
    readonly config: string,
    readonly listen: string,
    readonly log: string,
  ) {}

  get ingestUrl(): string {
    return `http://${this.listen}/api/v1/ingest`;
  }

  async start(): Promise<void> {
    const out = openSync(this.log, "a");
    this.child = spawn(
      process.execPath,
      [...nodeArgs(), this.script, "collector", "--config", this.config, "--collector-listen", this.listen],
      {
        env: {
          ...process.env,
          ...Object.fromEntries(LOAD.agents.map((a) => [tokenEnv(a), token(a)])),
          MAILSLA_BENCH_ADMIN_TOKEN: "bench-admin-token",
          MAILSLA_BENCH_PROBE_PASSWORD: "probe-password",
          MAILSLA_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", out, out],
      },
    );
    closeSync(out);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.child.exitCode !== null)
        throw new Error(`collector ${this.listen} exited:\n${readFileSync(this.log, "utf8")}`);
      if (Date.now() > deadline)
        throw new Error(`collector ${this.listen} not ready in 60 s:\n${readFileSync(this.log, "utf8")}`);
      try {
        if ((await fetch(`http://${this.listen}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** User + system CPU seconds the process has used so far (Linux /proc). */
  cpuSeconds(): number {
    return procCpu(this.child!.pid!);
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** POSTs an agent's bodies one after another (its pusher's pace); keeps each ack latency (ms). */
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

/** Turns a round into the timed work of one side (serialising happens here, before the clock). */
type Prepare = (round: Round) => () => Promise<void>;

function httpSide(collectors: readonly CollectorProcess[], latencies: number[]): Prepare {
  const body = (b: readonly ProbeResult[]) =>
    JSON.stringify({ records: b.map((payload) => ({ type: "check", payload })) });
  return (round) => {
    const work = [...round].map(([agent, batches], i) => ({
      agent,
      url: collectors[i % collectors.length]!.ingestUrl,
      bodies: batches.map(body),
    }));
    return async () => void (await Promise.all(work.map((w) => push(w.url, w.agent, w.bodies, latencies))));
  };
}

const COPY_SQL = `COPY check_results (id, service, vantage, kind, started_at, ok, code, stage,
  duration_seconds, payload, received_at) FROM STDIN`;
const rowsOf = (b: readonly ProbeResult[]) => b.map((r) => checkRow(r, RECEIVED_AT));

/** The store's ingest transaction called directly, six callers at once on one pool: no HTTP, no JSON. */
function storeIngest(store: CollectorStore): Prepare {
  return (round) => {
    const work = [...round].map(
      ([agent, batches]) =>
        [agent, batches.map((b) => b.map((payload) => ({ type: "check" as const, payload })))] as const,
    );
    return async () =>
      void (await Promise.all(
        work.map(async ([agent, batches]) => {
          for (const b of batches) await store.ingest(agent, b, RECEIVED_AT);
        }),
      ));
  };
}

/** A COPY per batch, each its own transaction, one connection per agent pushing at once. */
function copyPerBatch(pool: pg.Pool): Prepare {
  return (round) => {
    const work = [...round.values()].map((batches) => batches.map((b) => copyText(rowsOf(b))));
    return async () =>
      void (await Promise.all(
        work.map(async (bufs) => {
          const client = await pool.connect();
          try {
            for (const buf of bufs) await copyFrom(client, COPY_SQL, buf);
          } finally {
            client.release();
          }
        }),
      ));
  };
}

/** One COPY of the whole round in one transaction. */
function copyBulk(pool: pg.Pool): Prepare {
  return (round) => {
    const buf = copyText([...round.values()].flatMap((batches) => batches.flatMap(rowsOf)));
    return async () => {
      const client = await pool.connect();
      try {
        await copyFrom(client, COPY_SQL, buf);
      } finally {
        client.release();
      }
    };
  };
}

function makeRounds(): { warmUp: Round; rounds: Round[]; timedRows: number } {
  const { agents, perBatch, batchesPerAgent, rounds } = LOAD;
  const all = agents.map((a, i) => agentBatches(a, batchesPerAgent + 1, perBatch, FROM, 31 + i));
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

/** utime + stime (+ children's, once waited for) of a process, in seconds; 0 once it is gone. */
function procCpu(pid: number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / 100; // USER_HZ
  } catch {
    return 0;
  }
}

/** CPU seconds of a PostgreSQL server: the postmaster, its live backends, and those that exited. */
function serverCpu(dataDir: string): number {
  const master = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  let total = procCpu(master, true);
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === master)
        total += procCpu(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

interface Spent {
  wall: number;
  /** CPU seconds of the bench process, of the collector processes, of PostgreSQL. */
  client: number;
  collectors: number;
  server: number;
}

async function runRounds(
  sides: Record<Side, Prepare>,
  rounds: readonly Round[],
  collectorCpu: () => number,
  pgCpu: () => number,
): Promise<Record<Side, Spent>> {
  const spent = Object.fromEntries(
    SIDES.map((s) => [s, { wall: 0, client: 0, collectors: 0, server: 0 }]),
  ) as Record<Side, Spent>;
  for (const [r, round] of rounds.entries()) {
    for (let k = 0; k < SIDES.length; k++) {
      const side = SIDES[(r + k) % SIDES.length]!;
      const work = sides[side](round);
      const [c0, s0] = [collectorCpu(), pgCpu()];
      const { timing } = await timed(work);
      const t = spent[side];
      t.wall += timing.wallSeconds;
      t.client += timing.cpuSeconds;
      t.collectors += collectorCpu() - c0;
      t.server += pgCpu() - s0;
    }
  }
  return spent;
}

/** The durable ingest bench as bench/run.ts lists it. */
export const pgIngestBench: Bench = {
  name: "pg-ingest",
  question: "results/s of durable ingest into PostgreSQL via one collector and three replicas vs raw COPY",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const tmp = scratch(ctx.baseDir, "pg-ingest");
    const cleanup: (() => Promise<unknown> | unknown)[] = [() => tmp.remove()];
    try {
      const server: PostgresServer = await startPostgres({ durable: true, settings: PG_SETTINGS });
      cleanup.push(() => server.stop());
      const db = async (name: string) => {
        const url = await server.database(name);
        const store = await openPostgresStore({ url }); // the schema, as a collector makes it
        await store.close();
        return url;
      };
      const urls = {
        one: await db("one_collector"),
        three: await db("three_replicas"),
        store: await db("store_ingest"),
        batch: await db("copy_batch"),
        bulk: await db("copy_bulk"),
      };
      ctx.log("pg-ingest: bundling the CLI, starting 1 + 3 collector processes");
      const script = await cliScript();
      const lease: PortLease = await allocatePorts(4);
      cleanup.push(() => lease.release());
      const collectors = lease.ports.map((port, i) => {
        const dir = join(tmp.dir, `collector${i}`);
        mkdirSync(dir, { recursive: true });
        const config = join(dir, "mailsla.yaml");
        writeFileSync(config, collectorYaml(i === 0 ? urls.one : urls.three, join(dir, "data")));
        return new CollectorProcess(script, config, `127.0.0.1:${port}`, join(dir, "log"));
      });
      cleanup.push(() => Promise.all(collectors.map((c) => c.stop())));
      for (const c of collectors) await c.start();
      const pools = [urls.batch, urls.bulk].map(
        (url) => new pg.Pool({ connectionString: url, max: LOAD.agents.length }),
      );
      cleanup.push(() => Promise.all(pools.map((p) => p.end())));
      const direct = await openPostgresStore({ url: urls.store, poolSize: LOAD.agents.length });
      cleanup.push(() => direct.close());
      const latencies = { one: [] as number[], three: [] as number[] };
      const sides: Record<Side, Prepare> = {
        "one collector": httpSide(collectors.slice(0, 1), latencies.one),
        "three replicas": httpSide(collectors.slice(1), latencies.three),
        "store.ingest": storeIngest(direct),
        "raw COPY per batch": copyPerBatch(pools[0]!),
        "raw COPY bulk": copyBulk(pools[1]!),
      };
      const { warmUp, rounds, timedRows } = makeRounds();
      ctx.log(`pg-ingest: ${timedRows} results per side, ${LOAD.rounds} rounds`);
      const collectorCpu = () => collectors.reduce((n, c) => n + c.cpuSeconds(), 0);
      const pgCpu = () => serverCpu(join(server.dir, "data"));
      await runRounds(sides, [warmUp], collectorCpu, pgCpu);
      latencies.one.length = 0;
      latencies.three.length = 0;
      const spent = await runRounds(sides, rounds, collectorCpu, pgCpu);
      const expected = timedRows + LOAD.agents.length * LOAD.perBatch;
      const counter = new pg.Client({ connectionString: server.adminUrl });
      await counter.connect();
      try {
        for (const [side, url] of Object.entries(urls)) {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          const n = Number((await c.query("SELECT count(*) AS n FROM check_results")).rows[0].n);
          await c.end();
          if (n !== expected) throw new Error(`${side}: ${n} results stored, expected ${expected}`);
        }
      } finally {
        await counter.end();
      }
      return figures(timedRows, spent, latencies);
    } finally {
      for (const f of cleanup.reverse()) await f();
    }
  },
};

function figures(
  rows: number,
  spent: Record<Side, Spent>,
  latencies: { one: number[]; three: number[] },
): Figure[] {
  const f = figureMaker("pg-ingest");
  const rate = (s: Side) => rows / spent[s].wall;
  const us = (cpu: number) => sig((cpu * 1e6) / rows);
  const batches = LOAD.agents.length * LOAD.batchesPerAgent;
  const notes: Record<Side, string> = {
    "one collector": `${AGENTS} agents over HTTP to 1 process, ack after COMMIT`,
    "three replicas": `${AGENTS} agents over HTTP, spread over the 3 replica processes, one database`,
    "store.ingest": `the collectors' ingest transaction called directly, ${AGENTS} callers, no HTTP`,
    "raw COPY per batch": `COPY FROM STDIN, 1 tx per 500-row batch, ${AGENTS} connections at once`,
    "raw COPY bulk": "COPY FROM STDIN, 1 tx per round (all agents' batches)",
  };
  return [
    f(
      "rows",
      rows,
      "results",
      `per side: ${LOAD.agents.length} agents × ${LOAD.batchesPerAgent} batches × ${LOAD.perBatch}, ${LOAD.rounds} rounds`,
    ),
    ...SIDES.flatMap((s) => [
      f(`${s}: throughput`, Math.round(rate(s)), "results/s", notes[s]),
      f(`${s}: wall time`, sig(spent[s].wall), "s", `${sig((spent[s].wall * 1000) / batches)} ms per batch`),
      f(
        `${s}: CPU per result`,
        us(spent[s].client + spent[s].collectors + spent[s].server),
        "µs",
        `bench process ${us(spent[s].client)} + collector processes ${us(spent[s].collectors)} + PostgreSQL ${us(spent[s].server)}`,
      ),
    ]),
    f(
      "one collector: ack p50 / p99",
      `${sig(quantile(latencies.one, 0.5))} / ${sig(quantile(latencies.one, 0.99))}`,
      "ms",
    ),
    f(
      "three replicas: ack p50 / p99",
      `${sig(quantile(latencies.three, 0.5))} / ${sig(quantile(latencies.three, 0.99))}`,
      "ms",
    ),
    f(
      "ratio three replicas / raw COPY bulk",
      sig(rate("three replicas") / rate("raw COPY bulk"), 2),
      "×",
      "issue 13 target >= 0.5",
    ),
    f(
      "ratio three replicas / raw COPY per batch",
      sig(rate("three replicas") / rate("raw COPY per batch"), 2),
      "×",
      "same commits",
    ),
    f("ratio one collector / raw COPY bulk", sig(rate("one collector") / rate("raw COPY bulk"), 2), "×"),
    f("ratio store.ingest / raw COPY bulk", sig(rate("store.ingest") / rate("raw COPY bulk"), 2), "×"),
    f("ratio three replicas / one collector", sig(rate("three replicas") / rate("one collector"), 2), "×"),
  ];
}
