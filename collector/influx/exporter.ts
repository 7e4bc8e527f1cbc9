import { InfluxDB, type IPoint } from "influx";
import type { InfluxExport } from "../../config/collector.js";
import type { Logger } from "../../probes/log.js";
import type { ExportQueue } from "../store/export-queue.js";

/**
 * Drains the durable export queue into InfluxDB 1.x in batches. While influxd is down or failing
 * the queue waits and the exporter retries with exponential backoff and jitter; a batch leaves the
 * queue only after InfluxDB acknowledged it. A repeat of a written batch (a crash between the
 * write and the removal) overwrites the same points, so nothing is lost and nothing doubles.
 */

/** What the exporter has done, for /metrics. */
export interface ExporterStats {
  exportedPoints: number;
  rejectedPoints: number;
  failedWrites: number;
  /** Unix ms of the last successful write, 0 before the first. */
  lastSuccessAt: number;
}

/** A running exporter. */
export interface Exporter {
  readonly stats: Readonly<ExporterStats>;
  /** Writes everything queued now; rejects when InfluxDB refuses (for tests and shutdown). */
  drain(): Promise<void>;
  /** Ends the loop after the write in progress; queued points stay queued for the next start. */
  stop(): Promise<void>;
}

/** Options of {@link startExporter}. */
export interface ExporterOptions {
  queue: ExportQueue;
  config: InfluxExport;
  log: Pick<Logger, "info" | "warn" | "error">;
  /** First retry delay (ms); doubles per failure up to `config.maxRetryDelay`. */
  minRetryDelay?: number;
}

/** influx's own pool would take hosts out of rotation for its own backoff; ours decides alone. */
const noBackoff = { getDelay: () => 0, next: () => noBackoff, reset: () => noBackoff };

/** An InfluxDB client for the configured URL, database and credentials. */
export function influxClient(config: InfluxExport): InfluxDB {
  const url = new URL(config.url);
  return new InfluxDB({
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    protocol: url.protocol === "https:" ? "https" : "http",
    database: config.database,
    username: config.username,
    password: config.password?.reveal(),
    pool: { maxRetries: 0, requestTimeout: 10_000, backoff: noBackoff },
  });
}

/** The HTTP status of an influx RequestError, if it is one. */
function statusOf(err: unknown): number | undefined {
  return (err as { res?: { statusCode?: number } }).res?.statusCode;
}

/** Starts the export loop. */
export function startExporter(opts: ExporterOptions): Exporter {
  const { queue, config, log } = opts;
  const influx = influxClient(config);
  const stats: ExporterStats = { exportedPoints: 0, rejectedPoints: 0, failedWrites: 0, lastSuccessAt: 0 };
  let databaseReady = false;
  let stopped = false;
  let wake: (() => void) | undefined;

  const writeBatch = async (): Promise<boolean> => {
    const batch = queue.peek(config.batchSize);
    if (batch.length === 0) return false;
    if (!databaseReady) {
      await influx.createDatabase(config.database);
      databaseReady = true;
    }
    const last = batch[batch.length - 1]!.seq;
    try {
      await influx.writePoints(
        batch.map((q) => q.point as IPoint),
        { precision: "ms" },
      );
    } catch (err) {
      if (statusOf(err) !== 400) throw err;
      // A point InfluxDB will never take (e.g. a field type conflict): the ledger keeps the result.
      log.error({ err, points: batch.length }, "InfluxDB rejected a batch; dropped from the export");
      stats.rejectedPoints += batch.length;
      queue.removeThrough(last);
      return true;
    }
    queue.removeThrough(last);
    stats.exportedPoints += batch.length;
    stats.lastSuccessAt = Date.now();
    return true;
  };

  const drainOnce = async (): Promise<void> => {
    try {
      while (await writeBatch());
    } catch (err) {
      databaseReady = false; // influxd may have restarted without its data: create it again
      stats.failedWrites++;
      throw err;
    }
  };
  // One drain at a time: the loop's and a caller's never write the same batch twice.
  let chain: Promise<void> = Promise.resolve();
  const drain = (): Promise<void> => {
    const next = chain.then(drainOnce);
    chain = next.catch(() => undefined);
    return next;
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!stopped) {
      try {
        await drain();
        failures = 0;
        await pause(config.flushInterval);
      } catch (err) {
        failures++;
        const delay = backoffDelay(failures, opts.minRetryDelay ?? 250, config.maxRetryDelay);
        log.warn(
          { err: String(err), failures, retryInMs: delay, queued: queue.size() },
          "InfluxDB export failed",
        );
        await pause(delay);
      }
    }
  };
  const running = loop();

  return {
    stats,
    drain,
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
}

/** Exponential backoff with "equal jitter": half fixed, half random, never above `max`. */
export function backoffDelay(failures: number, min: number, max: number): number {
  const cap = Math.min(max, min * 2 ** Math.min(failures - 1, 30));
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}
