import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { RULES } from "../../contract/indicators.js";
import { MAX_TIME_MS, SafeText } from "../../contract/text.js";
import type { CollectorStore } from "../store/index.js";
import type { StoredWindow } from "../store/maintenance.js";
import { Errors } from "../errors.js";
import { boundedSpan, scopeFields, Time, type KnownNames } from "./spans.js";
import { parseOr400 } from "./validate.js";

/**
 * Maintenance windows (7.1.3) with the time customers were told (6.1.6): declare, list, cancel.
 * Times are Unix ms or ISO 8601 with a zone. Declaring answers at once whether the notice met
 * 6.1.6's 24 hours, so the operator learns of a late announcement before the month's report does.
 */

function declaration(names: KnownNames | undefined, now: number, maxWindowMs: number) {
  const fields = z.strictObject({
    start: Time,
    end: Time,
    /** When customers were told; now when absent. Never in the future. */
    announcedAt: Time.optional(),
    ...scopeFields(names),
    description: SafeText(2000).optional(),
  });
  return boundedSpan(
    fields,
    "a maintenance window",
    maxWindowMs,
    "declare one window per planned interruption",
  )
    .refine((d) => d.announcedAt === undefined || d.announcedAt <= d.end, {
      error: "after the window's end: an announcement must come before the work is over",
      path: ["announcedAt"],
    })
    .refine((d) => (d.announcedAt ?? now) <= now, {
      error: "in the future: enter the time customers were actually told",
      path: ["announcedAt"],
    });
}

const Range = z.strictObject({
  from: z.coerce.number().int().min(0).max(MAX_TIME_MS).optional(),
  to: z.coerce.number().int().min(0).max(MAX_TIME_MS).optional(),
});
const Id = z.strictObject({ id: z.string().min(1) });

/** A window with its notice judged against 6.1.6. */
function withNotice(window: StoredWindow) {
  const noticeHours = (window.start - window.announcedAt) / 3_600_000;
  return { window, noticeHours, lateNotice: noticeHours < RULES.maintenanceNotice.target };
}

/** Registers the maintenance routes (admin token checked by the caller's hook). */
export function maintenanceRoutes(
  app: FastifyInstance,
  store: CollectorStore,
  now: () => number,
  names: KnownNames | undefined,
  maxWindowMs: number,
): void {
  app.post("/api/v1/maintenance", async (req, reply) => {
    const at = now();
    const d = parseOr400(declaration(names, at, maxWindowMs), req.body);
    const window = await store.maintenance.declare({
      id: randomUUID(),
      ...d,
      announcedAt: d.announcedAt ?? at,
      declaredAt: at,
    });
    return reply.code(201).send(withNotice(window));
  });
  app.get("/api/v1/maintenance", async (req) => {
    const q = parseOr400(Range, req.query);
    return { windows: (await store.maintenance.list(q.from, q.to)).map(withNotice) };
  });
  app.get("/api/v1/maintenance/:id", async (req) => {
    const { id } = parseOr400(Id, req.params);
    const window = await store.maintenance.get(id);
    if (!window) throw Errors.notFound(`no maintenance window ${id}`);
    return withNotice(window);
  });
  app.post("/api/v1/maintenance/:id/cancel", async (req) => {
    const { id } = parseOr400(Id, req.params);
    const r = await store.maintenance.cancel(id, now());
    if (r.status === "not-found") throw Errors.notFound(`no maintenance window ${id}`);
    if (r.status === "already-cancelled") {
      throw Errors.conflict(
        `maintenance window ${id} was cancelled at ${new Date(r.window.cancelledAt!).toISOString()}`,
      );
    }
    return withNotice(r.window);
  });
}
