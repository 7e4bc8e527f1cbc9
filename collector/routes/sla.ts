import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { z } from "zod";
import { Errors } from "../errors.js";
import { parseOr400 } from "./validate.js";

/**
 * GET /api/v1/sla?month=YYYY-MM or ?year=YYYY: the SLA figures of a calendar month or year in the
 * operator's zone. The computation belongs to the pure engine in collector/sla/; this route only
 * asks an {@link SlaWiring}. Until one is wired in, it answers 501 MAILSLA_SLA_UNAVAILABLE.
 */

/**
 * The extension point the engine's wiring fills: reads the ledger (store.results.observationSeries,
 * store.maintenance.list, store.annotations.forceMajeureMarks/overrides, ...), calls the engine
 * with the clock, and registers the SLA gauges computed at scrape time.
 */
export interface SlaWiring {
  month(month: string): unknown;
  year(year: string): unknown;
  /** Adds month- and year-to-date gauges to the collector's registry (computed in collect()). */
  registerMetrics?(registry: Registry): void;
}

const Query = z
  .strictObject({
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected YYYY-MM")
      .optional(),
    year: z
      .string()
      .regex(/^\d{4}$/, "expected YYYY")
      .optional(),
  })
  .refine((q) => (q.month === undefined) !== (q.year === undefined), {
    error: "give exactly one of month=YYYY-MM or year=YYYY",
  });

/** Registers the SLA route (admin token checked by the caller's hook). */
export function slaRoutes(app: FastifyInstance, provider: SlaWiring | undefined): void {
  app.get("/api/v1/sla", async (req) => {
    const q = parseOr400(Query, req.query);
    if (!provider) throw Errors.slaUnavailable("the SLA engine is not wired into this collector yet");
    return q.month !== undefined ? await provider.month(q.month) : await provider.year(q.year!);
  });
}
