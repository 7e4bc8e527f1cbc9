import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { MAX_TIME_MS, SafeText } from "../../contract/text.js";
import type { CollectorStore } from "../store/index.js";
import { Errors } from "../errors.js";
import { boundedSpan, scopeFields, Time, type KnownNames } from "./spans.js";
import { parseOr400 } from "./validate.js";

/**
 * Force majeure (1.5) as a time span: declare, list, withdraw. Only fault time inside a span leaves
 * the indicators (a flood from 14:00 to 17:00 excuses three hours of an outage that lasted until
 * 20:00, not six), optionally only for some segments and services, always with a reason, and it is
 * shown apart on every surface. Times are bounded like maintenance windows: Unix ms or ISO 8601
 * with a zone, 2000-2200, at most `collector.limits.maxWindow` long. Marking a whole incident stays
 * a shortcut on the incident's annotation (routes/incidents.ts); those marks are listed here too.
 */

function declaration(names: KnownNames | undefined, now: number, maxWindowMs: number) {
  const fields = z.strictObject({
    start: Time,
    end: Time,
    ...scopeFields(names),
    reason: z.string().trim().min(1, "force majeure needs a reason (1.5)").pipe(SafeText(2000)),
  });
  return boundedSpan(fields, "a force majeure span", maxWindowMs, "declare one span per event").refine(
    (d) => d.start <= now,
    {
      error: "in the future: force majeure excuses what happened; declare it once the event has begun",
      path: ["start"],
    },
  );
}

const Range = z.strictObject({
  from: z.coerce.number().int().min(0).max(MAX_TIME_MS).optional(),
  to: z.coerce.number().int().min(0).max(MAX_TIME_MS).optional(),
});
const Id = z.strictObject({ id: z.string().min(1).max(100) });

/** Registers the force majeure routes (admin token checked by the caller's hook). */
export function forceMajeureRoutes(
  app: FastifyInstance,
  store: CollectorStore,
  now: () => number,
  names: KnownNames | undefined,
  maxWindowMs: number,
): void {
  app.post("/api/v1/force-majeure", async (req, reply) => {
    const at = now();
    const d = parseOr400(declaration(names, at, maxWindowMs), req.body);
    const span = await store.forceMajeure.declare({ id: randomUUID(), ...d, declaredAt: at });
    return reply.code(201).send({ forceMajeure: span });
  });
  app.get("/api/v1/force-majeure", async (req) => {
    const q = parseOr400(Range, req.query);
    const incidentMarks = (await store.annotations.list()).flatMap((a) =>
      a.forceMajeure
        ? [{ incidentId: a.incidentId, reason: a.forceMajeure.reason, anchorEnd: a.anchorEnd ?? null }]
        : [],
    );
    return { spans: await store.forceMajeure.list(q.from, q.to), incidentMarks };
  });
  app.get("/api/v1/force-majeure/:id", async (req) => {
    const { id } = parseOr400(Id, req.params);
    const span = await store.forceMajeure.get(id);
    if (!span) throw Errors.notFound(`no force majeure span ${id}`);
    return { forceMajeure: span };
  });
  app.delete("/api/v1/force-majeure/:id", async (req, reply) => {
    const { id } = parseOr400(Id, req.params);
    if (!(await store.forceMajeure.remove(id))) throw Errors.notFound(`no force majeure span ${id}`);
    return reply.code(204).send();
  });
}
