import { InfluxDB, type IPoint } from "influx";
import type { InfluxExport } from "../../config/collector.js";
import type { Logger } from "../../contract/log.js";
import type { ExportQueueStore } from "../store/types.js";
import { retryDelay } from "../../contract/backoff.js";

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
  queue: ExportQueueStore;
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

/** The loop and its state. */
class ExportLoop {
  readonly stats: ExporterStats = { exportedPoints: 0, rejectedPoints: 0, failedWrites: 0, lastSuccessAt: 0 };
  readonly running: Promise<void>;
  private readonly influx: InfluxDB;
  private databaseReady = false;
  private stopped = false;
  private wake?: () => void;
  /** One drain at a time: the loop's and a caller's never interleave. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ExporterOptions) {
    this.influx = influxClient(opts.config);
    this.running = this.run();
  }

  drain(): Promise<void> {
    const next = this.chain.then(() => this.drainAll());
    this.chain = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    const { config, log, queue } = this.opts;
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.drain();
        failures = 0;
        await this.pause(config.flushInterval);
      } catch (err) {
        failures++;
        const delay = retryDelay(failures, this.opts.minRetryDelay ?? 250, config.maxRetryDelay);
        const queued = await queue.size().catch(() => -1);
        log.warn({ err: String(err), failures, retryInMs: delay, queued }, "InfluxDB export failed");
        await this.pause(delay);
      }
    }
  }

  private async drainAll(): Promise<void> {
    try {
      while (await this.writeBatch());
    } catch (err) {
      this.databaseReady = false; // influxd may have restarted without its data: create it again
      this.stats.failedWrites++;
      throw err;
    }
  }

  /** Writes the oldest batch; false when the queue is empty. */
  private async writeBatch(): Promise<boolean> {
    const { queue, config, log } = this.opts;
    const batch = await queue.peek(config.batchSize);
    if (batch.length === 0) return false;
    if (!this.databaseReady) {
      await this.influx.createDatabase(config.database);
      this.databaseReady = true;
    }
    const last = batch[batch.length - 1]!.seq;
    try {
      await this.influx.writePoints(
        batch.map((q) => q.point as IPoint),
        { precision: "ms" },
      );
    } catch (err) {
      if (statusOf(err) !== 400) throw err;
      // A point InfluxDB will never take (e.g. a field type conflict): the ledger keeps the result.
      log.error({ err, points: batch.length }, "InfluxDB rejected a batch; dropped from the export");
      this.stats.rejectedPoints += batch.length;
      await queue.removeThrough(last);
      return true;
    }
    await queue.removeThrough(last);
    this.stats.exportedPoints += batch.length;
    this.stats.lastSuccessAt = Date.now();
    return true;
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
}

/** Starts the export loop. */
export function startExporter(opts: ExporterOptions): Exporter {
  const loop = new ExportLoop(opts);
  return { stats: loop.stats, drain: () => loop.drain(), stop: () => loop.stop() };
}
