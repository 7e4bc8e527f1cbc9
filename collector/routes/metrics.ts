import type { FastifyInstance } from "fastify";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Health } from "../health.js";
import type { ExporterStats } from "../influx/exporter.js";
import type { CollectorStore, IngestOutcome } from "../store/index.js";

/**
 * The collector's own health as Prometheus metrics, on a registry the caller owns (never
 * prom-client's global one): ingest counters, the ledger's size and the InfluxDB export backlog.
 * Gauges are read at scrape time. The SLA gauges are registered by the engine's wiring.
 */

/** What routes record. */
export interface CollectorMetrics {
  /** One committed batch. */
  ingested(counts: IngestOutcome): void;
  /** One request answered with an error code of the registry. */
  rejected(code: string): void;
}

/** Where scrape-time values come from. */
export interface MetricSources {
  store: CollectorStore;
  /** The exporter's counters, when an InfluxDB export runs. */
  exporter?: Readonly<ExporterStats>;
}

/** Creates the collector's metrics on `registry`. */
export function createCollectorMetrics(registry: Registry, sources: MetricSources): CollectorMetrics {
  const records = new Counter({
    name: "mailsla_collector_ingest_records_total",
    help: "Records received from agents: accepted (stored now) or duplicate (already stored)",
    labelNames: ["type", "outcome"] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: "mailsla_collector_rejected_requests_total",
    help: "Requests answered with an error, by the error registry's code",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "mailsla_collector_store_bytes",
    help: "Bytes of the ledger on disk (SQLite: the file and its write-ahead log; PostgreSQL: the database)",
    registers: [registry],
    async collect() {
      this.set(await sources.store.sizeBytes());
    },
  });
  new Gauge({
    name: "mailsla_collector_influx_queue_points",
    help: "Points waiting in the durable queue for InfluxDB (grows while InfluxDB is unreachable)",
    registers: [registry],
    async collect() {
      this.set(await sources.store.exportQueue.size());
    },
  });
  exporterMetrics(registry, sources.exporter);
  for (const type of ["check", "delivery"]) {
    for (const outcome of ["accepted", "duplicate"]) records.inc({ type, outcome }, 0);
  }
  return {
    ingested(counts) {
      for (const type of ["check", "delivery"] as const) {
        records.inc({ type, outcome: "accepted" }, counts.byType[type].accepted);
        records.inc({ type, outcome: "duplicate" }, counts.byType[type].duplicates);
      }
    },
    rejected: (code) => rejected.inc({ code }),
  };
}

function exporterMetrics(registry: Registry, stats: Readonly<ExporterStats> | undefined): void {
  const fromStats = (name: string, help: string, read: (s: Readonly<ExporterStats>) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats ? read(stats) : 0);
      },
    });
  fromStats(
    "mailsla_collector_influx_exported_points_total",
    "Points InfluxDB accepted since the collector started",
    (s) => s.exportedPoints,
  );
  fromStats(
    "mailsla_collector_influx_rejected_points_total",
    "Points InfluxDB refused with 400 (kept in the ledger, dropped from the export)",
    (s) => s.rejectedPoints,
  );
  fromStats(
    "mailsla_collector_influx_failed_writes_total",
    "Failed InfluxDB writes since start (each is retried)",
    (s) => s.failedWrites,
  );
  new Gauge({
    name: "mailsla_collector_influx_last_success_timestamp_seconds",
    help: "Unix time of the last successful InfluxDB write (0: none yet)",
    registers: [registry],
    collect() {
      this.set(stats ? stats.lastSuccessAt / 1000 : 0);
    },
  });
}

/**
 * GET /metrics (text exposition), GET /healthz (liveness: the process answers; a restart would not
 * cure a full disk, so the ledger is not asked) and GET /readyz (readiness, collector/health.ts:
 * 200 when the ledger commits writes, has disk space and is sound; 503 naming each failed condition).
 */
export function metricsRoutes(app: FastifyInstance, registry: Registry, health: Health): void {
  app.get("/metrics", async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = await health.report();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? "ready" : "not ready", ...r });
  });
}

/** The readiness gauges: one per condition, the free bytes, and the last integrity check. */
export function healthMetrics(registry: Registry, health: Health): void {
  new Gauge({
    name: "mailsla_collector_ready",
    help: "1 when the collector is ready (/readyz): the ledger commits writes, has disk space and is sound",
    labelNames: ["condition"],
    registers: [registry],
    async collect() {
      const r = await health.report();
      for (const c of r.conditions) this.set({ condition: c.name }, c.ok ? 1 : 0);
      this.set({ condition: "all" }, r.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: "mailsla_collector_disk_free_bytes",
    help: "Free bytes on the ledger's file system (-1: not read yet or in memory)",
    registers: [registry],
    collect() {
      this.set(health.last.freeBytes);
    },
  });
  new Gauge({
    name: "mailsla_collector_ledger_integrity_ok",
    help: "1 when the last PRAGMA quick_check of the ledger found no damage",
    registers: [registry],
    collect() {
      this.set(health.last.integrityOk ? 1 : 0);
    },
  });
  new Gauge({
    name: "mailsla_collector_ledger_integrity_checked_timestamp_seconds",
    help: "Unix time of the last integrity check of the ledger (0: none yet)",
    registers: [registry],
    collect() {
      this.set(health.last.integrityCheckedAt / 1000);
    },
  });
}
