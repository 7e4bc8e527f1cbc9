import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { MAX_TIME_MS, MIN_TIME_MS, SafeText } from "../../contract/text.js";
import type { Annotation } from "../store/annotations.js";
import type { CollectorStore } from "../store/index.js";
import { Errors } from "../errors.js";
import { MonthParam, type SlaWiring } from "./sla.js";
import { parseOr400 } from "./validate.js";

/**
 * Annotations of incidents: cause, force majeure with its reason (1.5), affected users (7.1.2).
 * Incidents themselves are computed by the SLA engine and named `segment@start` (ISO, UTC); an
 * annotation is keyed by that name, so it can be written before or after the engine lists it.
 * `GET /api/v1/incidents?month=YYYY-MM` lists the month's computed incidents with their annotations
 * merged in, through the SLA wiring that slaRoutes makes available in the same admin context.
 */

const INCIDENT_ID = /^([^@\s]+)@(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/;

function idSchema(segments: readonly string[] | undefined) {
  return z.strictObject({
    id: z
      .string()
      .regex(INCIDENT_ID, "expected an incident id segment@YYYY-MM-DDTHH:MM:SS.mmmZ")
      .refine(
        (id) => {
          const at = Date.parse(INCIDENT_ID.exec(id)?.[2] ?? "");
          return at >= MIN_TIME_MS && at <= MAX_TIME_MS;
        },
        { error: "invalid time (between 2000 and 2200)" },
      )
      .refine((id) => segments === undefined || segments.includes(INCIDENT_ID.exec(id)?.[1] ?? ""), {
        error: "unknown segment",
      }),
  });
}

/** A change to an annotation: absent keeps, null clears. */
const Patch = z
  .strictObject({
    cause: z.string().trim().min(1).pipe(SafeText(2000)).nullable().optional(),
    forceMajeure: z
      .strictObject({
        reason: z.string().trim().min(1, "force majeure needs a reason (1.5)").pipe(SafeText(2000)),
      })
      .nullable()
      .optional(),
    affectedUsers: z.number().int().nonnegative().max(10_000_000_000).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, {
    error: "nothing to change: give cause, forceMajeure or affectedUsers",
  });

const ListQuery = z.strictObject({ month: MonthParam.optional() });

/**
 * The list: every annotation, and with a wiring the month's computed incidents (the current month
 * without `month`), each with its annotation or null. Annotations of incidents no longer computed
 * (ids changed by a late result) stay visible in `annotations`.
 */
function listIncidents(store: CollectorStore, sla: SlaWiring | null | undefined, query: unknown) {
  const q = parseOr400(ListQuery, query);
  const annotations = store.annotations.list();
  if (!sla?.incidents) {
    if (q.month !== undefined) throw Errors.slaUnavailable("incidents are computed by the SLA engine");
    return { annotations };
  }
  const byId = new Map<string, Annotation>(annotations.map((a) => [a.incidentId, a]));
  const { month, incidents } = sla.incidents(q.month);
  return {
    month,
    incidents: incidents.map((i) => ({ ...i, annotation: byId.get(i.id) ?? null })),
    annotations,
  };
}

/** Registers the incident-annotation routes (admin token checked by the caller's hook). */
export function incidentRoutes(
  app: FastifyInstance,
  store: CollectorStore,
  now: () => number,
  segments?: readonly string[],
): void {
  const Id = idSchema(segments);
  app.get("/api/v1/incidents", async (req) => listIncidents(store, app.slaWiring, req.query));
  app.get("/api/v1/incidents/:id/annotation", async (req) => {
    const { id } = parseOr400(Id, req.params);
    const a = store.annotations.get(id);
    if (!a) throw Errors.notFound(`incident ${id} has no annotation`);
    return { annotation: a };
  });
  app.patch("/api/v1/incidents/:id/annotation", async (req) => {
    const { id } = parseOr400(Id, req.params);
    const patch = parseOr400(Patch, req.body);
    return { annotation: store.annotations.patch(id, patch, now()) ?? null };
  });
  app.delete("/api/v1/incidents/:id/annotation", async (req, reply) => {
    const { id } = parseOr400(Id, req.params);
    if (!store.annotations.remove(id)) throw Errors.notFound(`incident ${id} has no annotation`);
    return reply.code(204).send();
  });
}
