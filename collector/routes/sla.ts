import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { SlaSnapshot } from "../metrics/live-state.js";
import { z } from "zod";
import { Errors } from "../errors.js";
import { parseOr400 } from "./validate.js";

/**
 * GET /api/v1/sla?month=YYYY-MM or ?year=YYYY: the SLA figures of a calendar month or year in the
 * operator's zone; without either, the current month. The computation belongs to the pure engine in
 * collector/sla/; this route only asks an {@link SlaWiring} (collector/sla-source/ builds the one
 * the server uses). Without one, it answers 501 MAILSLA_SLA_UNAVAILABLE.
 */

/**
 * The extension point the engine's wiring fills: reads the ledger, calls the engine with the clock,
 * and registers the SLA gauges computed at scrape time. An interface, so the routes and the app
 * never import the engine or its cache.
 */
export interface SlaWiring {
  /** The month "YYYY-MM" as JSON; the current month in the operator's zone when absent. */
  month(month?: string): Promise<unknown>;
  /** The year "YYYY" as JSON (7.1.5). */
  year(year: string): Promise<unknown>;
  /**
   * The month's computed incidents (ids `segment@start`) and the annotations no incident matches any
   * more (`orphans`); the current month when absent.
   */
  incidents?(month?: string): Promise<{
    month: string;
    incidents: readonly WiredIncident[];
    orphans?: readonly unknown[];
  }>;
  /** The incident that has this id now (found in the month of its start), or null. */
  incident?(id: string): Promise<WiredIncident | null>;
  /** Adds month- and year-to-date gauges to the collector's registry (computed in collect()). */
  registerMetrics?(registry: Registry): void;
  /** Month, year and live state at one instant: what the status page shows. */
  snapshot?(): Promise<SlaSnapshot>;
}

/** What the incident routes need of a computed incident: its id, end and matched annotations' keys. */
export interface WiredIncident {
  readonly id: string;
  readonly end?: number | null;
  readonly annotations?: readonly { readonly incidentId: string }[];
}

/** A calendar month as the API takes it: "YYYY-MM". */
export const MonthParam = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected YYYY-MM, e.g. 2025-03");

const Query = z
  .strictObject({
    month: MonthParam.optional(),
    year: z
      .string()
      .regex(/^\d{4}$/, "expected YYYY, e.g. 2025")
      .optional(),
  })
  .refine((q) => q.month === undefined || q.year === undefined, {
    // Worded when one of them was required; kept stable (without either: the current month).
    error: "give exactly one of month=YYYY-MM or year=YYYY",
  });

/**
 * Registers the SLA route (admin token checked by the caller's hook), and makes the wiring
 * available to the other admin routes of the same context as `slaWiring` (the incident list).
 */
export function slaRoutes(app: FastifyInstance, provider: SlaWiring | undefined): void {
  app.decorate("slaWiring", provider ?? null);
  app.get("/api/v1/sla", async (req) => {
    const q = parseOr400(Query, req.query);
    if (!provider) throw Errors.slaUnavailable("the SLA engine is not wired into this collector");
    return q.year !== undefined ? await provider.year(q.year) : await provider.month(q.month);
  });
}

declare module "fastify" {
  interface FastifyInstance {
    /** The SLA wiring of this collector, set by {@link slaRoutes}; null when there is none. */
    slaWiring?: SlaWiring | null;
  }
}
