import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { collectorProblems } from "../config/collector.js";
import { ConfigError, loadConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { createLogger, type Logger } from "../probes/log.js";
import { buildCollector } from "./app.js";
import { startExporter, type Exporter } from "./influx/exporter.js";
import type { SlaWiring } from "./routes/sla.js";
import { createSlaSource } from "./sla-source/wiring.js";
import { openStore, type CollectorStore } from "./store/index.js";

/**
 * The listening collector: opens the ledger, starts the InfluxDB export if configured, serves the
 * app on `collector.listen`, and closes all of it gracefully (requests in progress finish, then
 * the exporter stops, then the ledger closes). Run directly: `tsx collector/server.ts CONFIG`.
 */

/** A started collector. */
export interface RunningCollector {
  app: FastifyInstance;
  store: CollectorStore;
  exporter?: Exporter;
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

/** The ledger file inside `collector.dataDir`. */
export function ledgerPath(dataDir: string): string {
  return join(dataDir, "collector.sqlite");
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
  const ledger = openStore(ledgerPath(c.dataDir));
  // The app writes through the wiring's store, so every ingest invalidates the periods it changes.
  const source = opts.sla ? undefined : createSlaSource(ledger, config, { now: opts.now });
  const store = source?.store ?? ledger;
  const exporter = c.influx ? startExporter({ queue: store.exportQueue, config: c.influx, log }) : undefined;
  const app = buildCollector(
    {
      store,
      agentTokens: c.agentTokens,
      adminToken: c.adminToken!, // collectorProblems refused a missing one
      maxBatch: c.maxBatch,
      maxBodyBytes: c.maxBodyBytes,
      registry: new Registry(),
      exporter,
      names: { segments: config.segments.map((s) => s.name), services: config.services.map((s) => s.name) },
      sla: opts.sla ?? source?.wiring,
      now: opts.now,
    },
    { loggerInstance: log, disableRequestLogging: true },
  );
  const [host, port] = c.listen.split(":") as [string, string];
  try {
    await app.listen({ host, port: Number(port) });
  } catch (err) {
    await exporter?.stop();
    store.close();
    throw err;
  }
  const close = async () => {
    await app.close();
    await exporter?.stop();
    store.close();
  };
  return { app, store, exporter, address: `http://${c.listen}`, close };
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
