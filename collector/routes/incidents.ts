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
 * annotation is keyed by the name it was made for, with the incident's end then as its time anchor,
 * so it still applies after a late result moves the incident's start (collector/sla/anchors.ts).
 * Addressing an annotated incident by its new id reaches the same annotation. It can be written
 * before the engine lists the incident (then its anchor is the start alone).
 * `GET /api/v1/incidents?month=YYYY-MM` lists the month's computed incidents (with the services,
 * vantage points and error codes behind each) and their annotations, and the annotations that no
 * incident matches any more as `orphans`, through the SLA wiring that slaRoutes makes available in
 * the same admin context.
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
 * without `month`), each with its annotation (matched by time anchor) or null, and the month's
 * orphans: annotations whose incident a late result moved away or removed, shown, never dropped.
 */
async function listIncidents(store: CollectorStore, sla: SlaWiring | null | undefined, query: unknown) {
  const q = parseOr400(ListQuery, query);
  const annotations = await store.annotations.list();
  if (!sla?.incidents) {
    if (q.month !== undefined) throw Errors.slaUnavailable("incidents are computed by the SLA engine");
    return { annotations };
  }
  const byId = new Map<string, Annotation>(annotations.map((a) => [a.incidentId, a]));
  const { month, incidents, orphans } = await sla.incidents(q.month);
  const stored = (key: string | undefined) => (key === undefined ? undefined : byId.get(key));
  return {
    month,
    incidents: incidents.map((i) => ({
      ...i,
      annotation: stored(i.annotations?.[0]?.incidentId) ?? byId.get(i.id) ?? null,
    })),
    orphans: orphans ?? [],
    annotations,
  };
}

/**
 * The key of the annotation that addresses incident `id`: its own, or, when `id` is an incident's
 * current id and a late result moved it since it was annotated, the key it was annotated under.
 */
async function annotationKey(
  store: CollectorStore,
  sla: SlaWiring | null | undefined,
  id: string,
): Promise<string> {
  if (await store.annotations.get(id)) return id;
  return (await sla?.incident?.(id))?.annotations?.[0]?.incidentId ?? id;
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
    const a = await store.annotations.get(await annotationKey(store, app.slaWiring, id));
    if (!a) throw Errors.notFound(`incident ${id} has no annotation`);
    return { annotation: a };
  });
  app.patch("/api/v1/incidents/:id/annotation", async (req) => {
    const { id } = parseOr400(Id, req.params);
    const patch = parseOr400(Patch, req.body);
    const at = now();
    const key = await annotationKey(store, app.slaWiring, id);
    // A new annotation's anchor: the incident's span as the engine has it now (its start is in the id).
    const incident = (await store.annotations.get(key)) ? null : await app.slaWiring?.incident?.(id);
    const anchorEnd = incident ? (incident.end ?? at) : undefined;
    return { annotation: (await store.annotations.patch(key, patch, at, anchorEnd)) ?? null };
  });
  app.delete("/api/v1/incidents/:id/annotation", async (req, reply) => {
    const { id } = parseOr400(Id, req.params);
    if (!(await store.annotations.remove(await annotationKey(store, app.slaWiring, id)))) {
      throw Errors.notFound(`incident ${id} has no annotation`);
    }
    return reply.code(204).send();
  });
}
