import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Registry } from "prom-client";
import { CollectorLimits } from "../config/collector.js";
import type { Secret } from "../config/secret.js";
import { admissionRules, type AdmissionConfig } from "./routes/admission.js";
import { errorBody, Errors, toApiError } from "./errors.js";
import { createHealth, type Health } from "./health.js";
import type { ExporterStats } from "./influx/exporter.js";
import { adminOnly, agentResolver } from "./routes/auth.js";
import { forceMajeureRoutes } from "./routes/force-majeure.js";
import { incidentRoutes } from "./routes/incidents.js";
import { ingestRoutes } from "./routes/ingest.js";
import { maintenanceRoutes } from "./routes/maintenance.js";
import type { KnownNames } from "./routes/spans.js";
import { manualRoutes } from "./routes/manual.js";
import { createCollectorMetrics, healthMetrics, metricsRoutes } from "./routes/metrics.js";
import { slaRoutes, type SlaWiring } from "./routes/sla.js";
import { reputationServices } from "./report/reputation-source.js";
import { statusRoutes } from "./status/routes.js";
import type { CollectorStore } from "./store/index.js";

/**
 * The collector as a fastify plugin (fastify/demo's app.ts): routes, authentication, error
 * registry and metrics, given everything it uses. It never listens; server.ts does, and tests
 * call it through inject().
 */

/** Everything the collector app uses; built by server.ts from the configuration, by tests by hand. */
export interface CollectorDeps {
  store: CollectorStore;
  /** Token per vantage point: the token is the agent's identity. */
  agentTokens: Readonly<Record<string, Secret>>;
  adminToken: Secret;
  maxBatch: number;
  maxBodyBytes: number;
  /** The collector's own registry (never prom-client's global one). */
  registry: Registry;
  /** The InfluxDB exporter's counters; when present, ingest queues points for it. */
  exporter?: { readonly stats: Readonly<ExporterStats> };
  /** The services, deliveries and timetable results are admitted against (routes/admission.ts). */
  described: AdmissionConfig;
  /** The collector's limits (config/collector.ts); the defaults when absent. */
  limits?: CollectorLimits;
  /** `collector.retention.raw`: results older than it are refused, they would land among compacted runs. */
  rawRetentionMs?: number;
  /** Segment and service names from the configuration, to refuse unknown ones. */
  names?: KnownNames;
  /** The SLA engine's wiring; /api/v1/sla answers 501 without it. */
  sla?: SlaWiring;
  /** Readiness (collector/health.ts); made from the store and limits when absent. */
  health?: Health;
  /** Wall clock, Unix ms (tests pass their own). */
  now?: () => number;
}

/** The plugin. Register it with `deps` as options. */
export async function collectorApp(app: FastifyInstance, deps: CollectorDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const limits = deps.limits ?? CollectorLimits.parse({});
  const metrics = createCollectorMetrics(deps.registry, {
    store: deps.store,
    exporter: deps.exporter?.stats,
  });
  deps.sla?.registerMetrics?.(deps.registry);

  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err, deps.maxBodyBytes);
    if (e.statusCode >= 500) req.log.error({ err }, "request failed");
    metrics.rejected(e.code);
    return reply.code(e.statusCode).send(errorBody(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = Errors.notFound(`no route ${req.method} ${req.url.split("?")[0]}`);
    return reply.code(404).send(errorBody(e));
  });
  app.addContentTypeParser(
    "text/csv",
    { parseAs: "string", bodyLimit: deps.maxBodyBytes },
    (_req, body, done) => done(null, body),
  );
  app.decorateRequest("vantage", undefined);

  const health = deps.health ?? createHealth({ store: deps.store, minFreeBytes: limits.minFreeBytes, now });
  healthMetrics(deps.registry, health);
  metricsRoutes(app, deps.registry, health);
  statusRoutes(app, {
    store: deps.store,
    sla: deps.sla,
    vantagePoints: Object.keys(deps.agentTokens),
    now,
    hygiene: reputationServices(deps.described),
  });
  ingestRoutes(app, {
    store: deps.store,
    resolveAgent: agentResolver(deps.agentTokens),
    admission: admissionRules(
      deps.described,
      limits,
      now,
      (type, name) => deps.store.results.holdsName(type, name),
      deps.rawRetentionMs,
    ),
    maxBatch: deps.maxBatch,
    maxBodyBytes: deps.maxBodyBytes,
    exportPoints: deps.exporter !== undefined,
    metrics,
    health,
    now,
  });
  await app.register(async (admin) => {
    admin.addHook("onRequest", adminOnly(deps.adminToken));
    maintenanceRoutes(admin, deps.store, now, deps.names, limits.maxWindow);
    incidentRoutes(admin, deps.store, now, deps.names?.segments);
    forceMajeureRoutes(admin, deps.store, now, deps.names, limits.maxWindow);
    manualRoutes(admin, deps.store, now);
    slaRoutes(admin, deps.sla);
  });
}

/** A fastify instance with the collector registered: what server.ts listens with and tests inject into. */
export function buildCollector(deps: CollectorDeps, options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: deps.maxBodyBytes, ...options });
  void app.register(collectorApp, deps);
  return app;
}
