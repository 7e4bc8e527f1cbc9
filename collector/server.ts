import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LogController, type FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { collectorProblems } from "../config/collector.js";
import { ConfigError, loadConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { createLogger, type Logger } from "../contract/log.js";
import { buildCollector, type CollectorDeps } from "./app.js";
import { createHealth, type Health } from "./health.js";
import { listeningOptions } from "./http-limits.js";
import { startIncidentLog } from "./incident-log.js";
import { startExporter, type Exporter } from "./influx/exporter.js";
import { ledgerLoadMonth } from "./report/ledger-source.js";
import { createReportService, type ReportService } from "./report/service.js";
import { startRetention } from "./retention.js";
import { sourceContext } from "./sla-source/input.js";
import type { SendClaims } from "./report/schedule.js";
import type { SlaWiring } from "./routes/sla.js";
import { createSlaSource } from "./sla-source/wiring.js";
import { openStore, type CollectorStore } from "./store/index.js";
import { openPostgresStore } from "./store/postgres/index.js";

/**
 * The listening collector: opens the ledger, starts the InfluxDB export if configured, serves the
 * app on `collector.listen`, and closes all of it gracefully (requests in progress finish, then
 * the exporter stops, then the ledger closes). With a `report` section it also sends the monthly
 * report on schedule, from the live ledger. Run directly: `tsx collector/server.ts CONFIG`.
 */

/** A started collector. */
export interface RunningCollector {
  app: FastifyInstance;
  store: CollectorStore;
  exporter?: Exporter;
  /** The monthly report's schedule, when the configuration has a `report` section. */
  report?: ReportService;
  /** The address it listens on, e.g. http://127.0.0.1:9470. */
  address: string;
  close(): Promise<void>;
}

/** Options of {@link startCollector}. */
export interface StartOptions {
  log?: Logger;
  /** Replaces the SLA engine's wiring built from the configuration (collector/sla-source/). */
  sla?: SlaWiring;
  /** The clock of the API and the SLA engine, Unix ms (tests pass their own). */
  now?: () => number;
}

/**
 * What the collector app takes from a configuration with a collector section: tokens, limits, and
 * the names and bounds results are admitted against. server.ts and the tests' collectors share it,
 * so a test collector admits exactly what a real one does.
 */
export function configuredDeps(
  config: Readonly<Config>,
): Pick<
  CollectorDeps,
  | "agentTokens"
  | "adminToken"
  | "maxBatch"
  | "maxBodyBytes"
  | "names"
  | "described"
  | "limits"
  | "rawRetentionMs"
> {
  const c = config.collector;
  if (!c) throw new ConfigError("(configuration)", ["collector: missing; the collector needs this section"]);
  return {
    agentTokens: c.agentTokens,
    adminToken: c.adminToken!, // collectorProblems refuses a missing one at start
    maxBatch: c.maxBatch,
    maxBodyBytes: c.maxBodyBytes,
    names: { segments: config.segments.map((s) => s.name), services: config.services.map((s) => s.name) },
    described: config,
    limits: c.limits,
    rawRetentionMs: c.retention.raw,
  };
}

/** The ledger file inside `collector.dataDir`. */
export function ledgerPath(dataDir: string): string {
  return join(dataDir, "collector.sqlite");
}

/**
 * The configured ledger: `collector.store.postgres` when given (several replicas may share it),
 * else the SQLite file in `collector.dataDir`.
 */
export async function openLedger(config: Readonly<Config>, now?: () => number): Promise<CollectorStore> {
  const c = config.collector!;
  const pg = c.store.postgres;
  if (!pg) return openStore(ledgerPath(c.dataDir));
  return openPostgresStore({
    url: pg.url,
    ...(pg.password ? { password: pg.password.reveal() } : {}),
    poolSize: pg.poolSize,
    connectTimeout: pg.connectTimeout,
    statementTimeout: pg.statementTimeout,
    ...(now ? { now } : {}),
  });
}

/** Starts the collector of a validated configuration; throws ConfigError without a collector section. */
export async function startCollector(
  config: Readonly<Config>,
  opts: StartOptions = {},
): Promise<RunningCollector> {
  const c = config.collector;
  if (!c) throw new ConfigError("(configuration)", ["collector: missing; the collector needs this section"]);
  const problems = collectorProblems(config, c);
  if (problems.length > 0) throw new ConfigError("(configuration)", problems);
  const log = opts.log ?? createLogger("collector");
  const store = await openLedger(config, opts.now);
  const health = createHealth({
    store,
    minFreeBytes: c.limits.minFreeBytes,
    now: opts.now ?? Date.now,
  });
  const sound = await health.checkIntegrity();
  if (!sound.ok) {
    await store.close();
    throw new LedgerDamaged(sound.detail);
  }
  // The wiring learns of every ingest (this replica's and others') from the ledger's change log.
  const source = opts.sla ? undefined : createSlaSource(store, config, { now: opts.now });
  let report: ReportService | undefined;
  try {
    report = reportService(config, store, log, opts.now);
  } catch (err) {
    await store.close();
    throw err;
  }
  const exporter = c.influx ? startExporter({ queue: store.exportQueue, config: c.influx, log }) : undefined;
  const app = buildCollector(
    {
      ...configuredDeps(config),
      store,
      registry: new Registry(),
      exporter,
      sla: opts.sla ?? source?.wiring,
      health,
      now: opts.now,
    },
    {
      ...listeningOptions(c.limits),
      loggerInstance: log,
      logController: new LogController({ disableRequestLogging: true }),
    },
  );
  const [host, port] = c.listen.split(":") as [string, string];
  try {
    await app.listen({ host, port: Number(port) });
  } catch (err) {
    await exporter?.stop();
    await report?.stop();
    await store.close();
    throw err;
  }
  if (report) startReport(report, log);
  const integrity = watchIntegrity(health, c.limits.integrityCheckInterval, log);
  const retention = startRetention({
    store,
    setup: sourceContext(config).setup,
    rawMs: c.retention.raw,
    everyMs: c.retention.every,
    holder: REPLICA,
    now: opts.now ?? Date.now,
    log,
  });
  const incidents = source && startIncidentLog(async () => (await source.snapshot()).live.services, log);
  const close = async () => {
    clearInterval(integrity);
    incidents?.stop();
    await retention.stop();
    await app.close();
    await exporter?.stop();
    await report?.stop();
    await store.close();
  };
  return { app, store, exporter, report, address: listeningAddress(app, c.listen), close };
}

/** A ledger that failed its integrity check at start: the message names the file and the remedy. */
export class LedgerDamaged extends Error {
  override readonly name = "LedgerDamaged";
}

/** Checks the ledger's integrity every `every` ms; the first damage found is logged as an error. */
function watchIntegrity(health: Health, every: number, log: Logger): NodeJS.Timeout {
  let reported = false;
  const timer = setInterval(() => {
    void health.checkIntegrity().then((c) => {
      if (!c.ok && !reported) {
        reported = true;
        log.error({ condition: c.name }, c.detail);
      }
    });
  }, every);
  timer.unref();
  return timer;
}

/** Where the app really listens (`collector.listen` may ask for port 0), as an http:// base URL. */
function listeningAddress(app: FastifyInstance, listen: string): string {
  const a = app.server.address();
  if (a === null || typeof a === "string") return `http://${listen}`;
  return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
}

/**
 * The monthly report of a `report` section, reading the live ledger. Made before listening, so an
 * unknown SMTP account fails the start, not the day the report is due.
 */
function reportService(
  config: Readonly<Config>,
  ledger: CollectorStore,
  log: Logger,
  now: (() => number) | undefined,
): ReportService | undefined {
  if (!config.report) return undefined;
  const loadMonth = ledgerLoadMonth(ledger, config, now ?? Date.now);
  return createReportService(config, config.report, loadMonth, {
    ...(now ? { clock: now } : {}),
    log: (line) => log.info(line),
    claims: sendClaims(ledger, REPLICA),
  });
}

/** This collector among the replicas of one ledger, in job claims: host, process and a random part. */
const REPLICA = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** How long a claim on a month's send holds without renewal (the schedule renews it every minute). */
const SEND_LEASE_MS = 10 * 60_000;

/** The month's send claimed in the ledger as job "report:YYYY-MM", so replicas send it once. */
export function sendClaims(ledger: CollectorStore, holder: string): SendClaims {
  const job = (month: string) => `report:${month}`;
  return {
    claim: async (month, now) => (await ledger.claimJob(job(month), holder, now, SEND_LEASE_MS)).granted,
    sending: (month, now) => ledger.setJobState(job(month), holder, "sending", now),
    retry: (month, now) => ledger.setJobState(job(month), holder, "claimed", now),
    done: (month, now) => ledger.setJobState(job(month), holder, "done", now),
  };
}

/** Starts the report schedule and logs when it will next send. */
function startReport(report: ReportService, log: Logger): void {
  const next = report.next();
  log.info(
    { month: next.month, at: new Date(next.at).toISOString() },
    `monthly report of ${next.month}: next send ${next.local}`,
  );
  report.start();
}

/** Runs the collector until SIGTERM or SIGINT. */
async function main(configPath: string | undefined): Promise<void> {
  const log = createLogger("collector");
  if (!configPath) throw new Error("usage: tsx collector/server.ts CONFIG (or MAILSLA_CONFIG)");
  const running = await startCollector(loadConfigFile(configPath), { log });
  const stop = (signal: string) => {
    log.info({ signal }, "stopping");
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "graceful stop failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] ?? process.env.MAILSLA_CONFIG).catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
