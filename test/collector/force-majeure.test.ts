/**
 * Issue 10 through the admin API on a real ledger: force majeure as a time span (only the fault
 * inside it leaves the indicators), incidents that name their services and error codes, an
 * annotation that survives a late result moving its incident's start, and an orphaned one shown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProbeResult } from "../../contract/result.js";
import { bearer, ADMIN } from "./fixtures.js";
import {
  admin,
  checks,
  Clock,
  failing,
  local,
  MIN,
  push,
  slaCollector,
  type Json,
  type SlaCollector,
} from "./sla-scenario.js";

const clock = new Clock(local("2025-03-01T00:00"));
let c: SlaCollector;

beforeAll(async () => {
  c = await slaCollector(clock);
});
afterAll(() => c?.close());

const sla = async (): Promise<Json> => {
  const r = await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
  expect(r.status).toBe(200);
  return r.body;
};
const remove = (url: string) =>
  c.app.inject({ method: "DELETE", url, headers: bearer(ADMIN) }).then((r) => r.statusCode);
const incidentAt = (body: Json, id: string): Json => body.incidents.find((i: Json) => i.id === id);

describe("force majeure spans through the admin API", () => {
  const FLOOD = "north@2025-03-10T06:00:00.000Z"; // imap, north, Mar 10 14:00-20:00 local

  it("a flood 14:00-17:00 in an outage until 20:00 excuses 3 h, shown apart with its reason", async () => {
    clock.set("2025-03-10T21:00");
    const from = local("2025-03-10T13:00");
    await push(
      c.app,
      checks("imap", "imap", ["a", "b", "c"], from, from + 8 * 60 * MIN, (v, t) =>
        failing(["a", "b"], local("2025-03-10T14:00"), local("2025-03-10T20:00"))(v, t),
      ),
    );
    const before = incidentAt(await sla(), FLOOD);
    expect(before).toMatchObject({ faultMinutes: 360, forceMajeureMinutes: 0 });
    expect(before.services).toEqual([
      {
        service: "imap",
        start: local("2025-03-10T14:00"),
        end: local("2025-03-10T20:00"),
        minutes: 360,
        code: "connect",
        stage: "connect",
        vantagePoints: ["a", "b"].map((vantage) => ({
          vantage,
          start: local("2025-03-10T14:00"),
          code: "connect",
          stage: "connect",
        })),
      },
    ]);

    const declared = await admin(c.app, "POST", "/api/v1/force-majeure", {
      start: "2025-03-10T14:00:00+08:00",
      end: local("2025-03-10T17:00"),
      segments: ["north"],
      services: ["imap"],
      reason: "flood cut the data centre's power",
    });
    expect(declared.status).toBe(201);
    const id = declared.body.forceMajeure.id as string;
    expect(declared.body.forceMajeure).toMatchObject({
      start: local("2025-03-10T14:00"),
      end: local("2025-03-10T17:00"),
      reason: "flood cut the data centre's power",
      declaredAt: clock.t,
    });

    const body = await sla();
    expect(incidentAt(body, FLOOD)).toMatchObject({
      faultMinutes: 180,
      forceMajeureMinutes: 180,
      weightedMinutes: 108, // 180 x 0.6
      forceMajeure: [{ id, reason: "flood cut the data centre's power" }],
    });
    expect(body.forceMajeure.marks).toEqual([
      {
        id,
        reason: "flood cut the data centre's power",
        kind: "span",
        incidentId: null,
        start: local("2025-03-10T14:00"),
        end: local("2025-03-10T17:00"),
        segments: ["north"],
        services: ["imap"],
        weightedMinutes: 108,
      },
    ]);
    const list = await admin(c.app, "GET", "/api/v1/force-majeure");
    expect(list.body.spans.map((s: Json) => s.id)).toEqual([id]);

    expect(await remove(`/api/v1/force-majeure/${id}`)).toBe(204);
    expect(await remove(`/api/v1/force-majeure/${id}`)).toBe(404);
    expect(incidentAt(await sla(), FLOOD)).toMatchObject({ faultMinutes: 360, forceMajeureMinutes: 0 });
  });

  it.each([
    [{ start: 1, end: 2, reason: "x" }, "start: before 2000-01-01"],
    [
      { start: local("2025-03-10T14:00"), end: local("2025-03-10T13:00"), reason: "x" },
      "end: a force majeure span must end after it starts",
    ],
    [
      { start: local("2025-03-01T00:00"), end: local("2025-04-05T00:00"), reason: "x" },
      "end: longer than 744 h",
    ],
    [
      { start: local("2025-03-10T14:00"), end: local("2025-03-10T15:00"), reason: " " },
      "reason: force majeure needs a reason (1.5)",
    ],
    [
      { start: local("2025-03-10T14:00"), end: local("2025-03-10T15:00"), reason: "x", services: ["nope"] },
      "services[0]: unknown service",
    ],
    [
      { start: local("2025-03-10T14:00"), end: local("2025-03-10T15:00"), reason: "x", segments: ["west"] },
      "segments[0]: unknown segment",
    ],
    [
      { start: local("2025-03-10T14:00"), end: local("2025-03-10T15:00"), reason: "a\u202eb" },
      "reason: holds a control",
    ],
    [
      { start: local("2025-03-11T14:00"), end: local("2025-03-11T15:00"), reason: "x" },
      "start: in the future",
    ],
    [{ start: local("2025-03-10T14:00"), end: local("2025-03-10T15:00") }, "reason:"],
  ])("refuses %j naming the field", async (payload, message) => {
    clock.set("2025-03-10T21:00");
    const r = await admin(c.app, "POST", "/api/v1/force-majeure", payload);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(message);
    expect((await admin(c.app, "GET", "/api/v1/force-majeure")).body.spans).toEqual([]);
  });

  it("needs the admin token", async () => {
    const r = await c.app.inject({ method: "GET", url: "/api/v1/force-majeure" });
    expect(r.statusCode).toBe(401);
  });
});

describe("incident identity across late results", () => {
  const ANNOTATED = "north@2025-03-12T02:00:00.000Z"; // imap, Mar 12 10:00-11:00 local
  const MOVED = "north@2025-03-12T01:40:00.000Z"; // after late results: from 09:40

  it("a late result that moves the start keeps the annotation and its force majeure", async () => {
    clock.set("2025-03-12T12:00");
    const fails = failing(["a", "b"], local("2025-03-12T09:40"), local("2025-03-12T11:00"));
    const all = checks(
      "imap",
      "imap",
      ["a", "b", "c"],
      local("2025-03-12T09:30"),
      local("2025-03-12T12:00"),
      fails,
    );
    const late = all.filter((r) => r.startedAt < local("2025-03-12T10:00"));
    await push(
      c.app,
      all.filter((r) => r.startedAt >= local("2025-03-12T10:00")),
    );
    expect(incidentAt(await sla(), ANNOTATED)).toMatchObject({ faultMinutes: 60 });

    const fm = { cause: "fibre cut", forceMajeure: { reason: "excavator on public works" } };
    const patched = await admin(c.app, "PATCH", `/api/v1/incidents/${ANNOTATED}/annotation`, fm);
    expect(patched.body.annotation).toMatchObject({ ...fm, anchorEnd: local("2025-03-12T11:00") });
    expect(incidentAt(await sla(), ANNOTATED)).toMatchObject({ faultMinutes: 0, forceMajeureMinutes: 60 });

    // an agent's outbox delivers the 09:30-10:00 results late: the outage began at 09:40
    clock.set("2025-03-12T12:05");
    await push(c.app, late);
    const body = await sla();
    expect(incidentAt(body, ANNOTATED)).toBeUndefined();
    expect(incidentAt(body, MOVED)).toMatchObject({
      start: local("2025-03-12T09:40"),
      faultMinutes: 0,
      forceMajeureMinutes: 80,
      annotations: [{ incidentId: ANNOTATED, cause: "fibre cut" }],
    });
    expect(body.orphans).toEqual([]);
    const listed = await admin(c.app, "GET", "/api/v1/incidents?month=2025-03");
    expect(incidentAt(listed.body, MOVED).annotation).toMatchObject({ incidentId: ANNOTATED, ...fm });

    // the new id reaches the same annotation
    const byNewId = await admin(c.app, "PATCH", `/api/v1/incidents/${MOVED}/annotation`, {
      affectedUsers: 1000,
    });
    expect(byNewId.body.annotation).toMatchObject({ incidentId: ANNOTATED, affectedUsers: 1000, ...fm });
    expect((await admin(c.app, "GET", "/api/v1/incidents")).body.annotations).toHaveLength(1);
  });

  it("an annotation whose incident a late result removed is listed as orphaned", async () => {
    clock.set("2025-03-14T10:10");
    const at = (iso: string) => local(iso);
    const result = (vantage: "a" | "b" | "c", t: number, ok: boolean): ProbeResult =>
      checks("imap", "imap", [vantage], t, t + 1, () => !ok)[0]!;
    // a and b fail at 10:00 and 10:01 (two in a row: a fault), pass at 10:02
    const rows = ["a", "b"].flatMap((v) => [
      result(v as "a", at("2025-03-14T10:00"), false),
      result(v as "a", at("2025-03-14T10:01"), false),
      result(v as "a", at("2025-03-14T10:02"), true),
    ]);
    await push(c.app, rows);
    const GONE = "north@2025-03-14T02:00:00.000Z";
    expect(incidentAt(await sla(), GONE)).toMatchObject({ faultMinutes: 2 });
    const note = { cause: "router reboot", forceMajeure: { reason: "lightning strike" } };
    expect((await admin(c.app, "PATCH", `/api/v1/incidents/${GONE}/annotation`, note)).status).toBe(200);

    // a's success at 10:00:30 arrives late: a never failed twice in a row, so no quorum, no incident
    await push(c.app, [result("a", at("2025-03-14T10:00") + 30_000, true)]);
    const body = await sla();
    expect(incidentAt(body, GONE)).toBeUndefined();
    expect(body.orphans).toEqual([
      {
        incidentId: GONE,
        segment: "north",
        anchorStart: at("2025-03-14T10:00"),
        anchorEnd: at("2025-03-14T10:02"),
        cause: "router reboot",
        forceMajeure: "lightning strike",
        affectedUsers: null,
      },
    ]);
    const listed = await admin(c.app, "GET", "/api/v1/incidents?month=2025-03");
    expect(listed.body.orphans).toEqual(body.orphans);
  });
});
