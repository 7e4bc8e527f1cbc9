import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ADMIN, bearer, testCollector, TOKENS, type TestCollector } from "./fixtures.js";

const NOW = Date.parse("2025-03-10T12:00:00Z");
const H = 3_600_000;
let c: TestCollector;
beforeEach(async () => {
  c = await testCollector({ now: () => NOW });
});
afterEach(async () => {
  await c.close();
});

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
const admin = (method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  c.app.inject({ method, url, headers: { ...bearer(ADMIN), ...headers }, payload: payload as string });

describe("admin authentication", () => {
  it("refuses agent tokens and missing tokens on every admin route", async () => {
    for (const url of [
      "/api/v1/maintenance",
      "/api/v1/incidents",
      "/api/v1/manual/2025-03",
      "/api/v1/sla?month=2025-03",
    ]) {
      const agent = await c.app.inject({ method: "GET", url, headers: bearer(TOKENS.a) });
      expect(agent.statusCode, url).toBe(401);
      expect((await c.app.inject({ method: "GET", url })).json().code).toBe("MAILSLA_UNAUTHORIZED");
    }
  });
});

describe("maintenance windows", () => {
  it("declares with ISO or Unix times, judges the 24 h notice (6.1.6), lists and cancels", async () => {
    const early = await admin("POST", "/api/v1/maintenance", {
      start: "2025-03-12T02:00:00+08:00",
      end: "2025-03-12T04:00:00+08:00",
      announcedAt: NOW - 2 * H,
      segments: ["north"],
      description: "storage upgrade",
    });
    expect(early.statusCode).toBe(201);
    const body = early.json();
    expect(body.window).toMatchObject({
      start: Date.parse("2025-03-11T18:00:00Z"),
      end: Date.parse("2025-03-11T20:00:00Z"),
      announcedAt: NOW - 2 * H,
      segments: ["north"],
      declaredAt: NOW,
    });
    expect(body).toMatchObject({ noticeHours: 32, lateNotice: false });
    const late = await admin("POST", "/api/v1/maintenance", {
      start: NOW + H,
      end: NOW + 2 * H,
      services: ["imap"],
    });
    expect(late.json()).toMatchObject({ window: { announcedAt: NOW }, noticeHours: 1, lateNotice: true });

    const list = await admin("GET", `/api/v1/maintenance?from=${NOW}&to=${NOW + 3 * H}`);
    expect(list.json().windows.map((w: { window: { id: string } }) => w.window.id)).toEqual([
      late.json().window.id,
    ]);

    const id = body.window.id as string;
    const cancel = await admin("POST", `/api/v1/maintenance/${id}/cancel`);
    expect(cancel.json().window.cancelledAt).toBe(NOW);
    const twice = await admin("POST", `/api/v1/maintenance/${id}/cancel`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe("MAILSLA_CONFLICT");
    expect((await admin("GET", `/api/v1/maintenance/${id}`)).json().window.cancelledAt).toBe(NOW);
    expect((await admin("POST", "/api/v1/maintenance/nope/cancel")).statusCode).toBe(404);
  });

  it("refuses bad declarations naming the field, storing nothing", async () => {
    const cases: [unknown, string][] = [
      [{ start: NOW + 2 * H, end: NOW + H }, "end: a maintenance window must end after it starts"],
      [{ start: NOW + H, end: NOW + 2 * H, announcedAt: NOW + 1 }, "announcedAt: in the future"],
      [{ start: "tomorrow", end: NOW }, "start: expected Unix ms or an ISO 8601 time with a zone"],
      [{ start: NOW, end: NOW + H, segments: ["west"] }, "segments[0]: unknown segment"],
      [{ start: NOW, end: NOW + H, services: ["pop"] }, "services[0]: unknown service"],
      [{ start: NOW, end: NOW + H, reason: "x" }, 'unknown key "reason"'],
    ];
    for (const [payload, message] of cases) {
      const r = await admin("POST", "/api/v1/maintenance", payload);
      expect(r.statusCode, message).toBe(400);
      expect(r.json().message).toContain(message);
    }
    expect(await c.store.maintenance.list()).toEqual([]);
  });
});

describe("incident annotations", () => {
  const id = encodeURIComponent("north@2025-03-09T01:02:00.000Z");

  it("sets cause, force majeure with reason and affected users; clears with null; feeds the engine", async () => {
    const r = await admin("PATCH", `/api/v1/incidents/${id}/annotation`, {
      cause: "fibre cut",
      forceMajeure: { reason: "earthquake" },
    });
    expect(r.json().annotation).toEqual({
      incidentId: "north@2025-03-09T01:02:00.000Z",
      cause: "fibre cut",
      forceMajeure: { reason: "earthquake" },
      updatedAt: NOW,
    });
    await admin("PATCH", `/api/v1/incidents/${id}/annotation`, { affectedUsers: 120, forceMajeure: null });
    expect(await c.store.annotations.forceMajeureMarks()).toEqual([]);
    expect(await c.store.annotations.overrides()).toEqual([
      { incidentId: "north@2025-03-09T01:02:00.000Z", affectedUsers: 120 },
    ]);
    expect((await admin("GET", "/api/v1/incidents")).json().annotations).toHaveLength(1);
    await admin("PATCH", `/api/v1/incidents/${id}/annotation`, { forceMajeure: { reason: "flood" } });
    expect(await c.store.annotations.forceMajeureMarks()).toEqual([
      {
        id: "incident:north@2025-03-09T01:02:00.000Z",
        reason: "flood",
        incidentId: "north@2025-03-09T01:02:00.000Z",
      },
    ]);
    expect((await admin("DELETE", `/api/v1/incidents/${id}/annotation`)).statusCode).toBe(204);
    expect((await admin("GET", `/api/v1/incidents/${id}/annotation`)).statusCode).toBe(404);
  });

  it("refuses force majeure without a reason, unknown segments and malformed ids", async () => {
    const noReason = await admin("PATCH", `/api/v1/incidents/${id}/annotation`, {
      forceMajeure: { reason: " " },
    });
    expect(noReason.json().message).toBe("forceMajeure.reason: force majeure needs a reason (1.5)");
    const west = await admin(
      "PATCH",
      `/api/v1/incidents/${encodeURIComponent("west@2025-03-09T01:02:00.000Z")}/annotation`,
      {
        cause: "x",
      },
    );
    expect(west.json().message).toBe("id: unknown segment");
    const bad = await admin("PATCH", "/api/v1/incidents/north-yesterday/annotation", { cause: "x" });
    expect(bad.json().message).toContain("id: expected an incident id");
    const users = await admin("PATCH", `/api/v1/incidents/${id}/annotation`, { affectedUsers: -1 });
    expect(users.json().message).toContain("affectedUsers: Too small");
    expect(await c.store.annotations.list()).toEqual([]);
  });
});

describe("manual indicators", () => {
  it("takes JSON, merges per clause, and returns clauses in numeric order", async () => {
    const r = await admin("PUT", "/api/v1/manual/2025-02", {
      entries: [
        { clause: "7.1.6", value: 0.00001, note: "from billing" },
        { clause: "7.2.1", value: true },
      ],
    });
    expect(r.statusCode).toBe(200);
    await admin("PUT", "/api/v1/manual/2025-02", {
      entries: [
        { clause: "7.1.11", value: 0.3 },
        { clause: "7.1.6", value: 0.00002 },
      ],
    });
    const got = (await admin("GET", "/api/v1/manual/2025-02")).json();
    expect(got.entries.map((e: { clause: string; value: unknown }) => [e.clause, e.value])).toEqual([
      ["7.1.6", 0.00002],
      ["7.1.11", 0.3],
      ["7.2.1", true],
    ]);
  });

  it("takes CSV (one row per clause, quoted notes, percentages) and gives CSV back", async () => {
    const csv =
      'clause,value,note\r\n7.2.4,85%,"hotline, all lines"\r\n7.2.2,2.5,\r\n7.1.15,yes,"limits ""per user"""\r\n';
    const r = await admin("PUT", "/api/v1/manual/2025-02", csv, { "content-type": "text/csv" });
    expect(r.statusCode).toBe(200);
    expect(r.json().entries.map((e: { clause: string; value: unknown }) => e.value)).toEqual([
      true,
      2.5,
      0.85,
    ]);
    const back = await admin("GET", "/api/v1/manual/2025-02", undefined, { accept: "text/csv" });
    expect(back.headers["content-type"]).toContain("text/csv");
    expect(back.body).toBe(
      'clause,value,note\r\n7.1.15,true,"limits ""per user"""\r\n7.2.2,2.5,\r\n7.2.4,0.85,"hotline, all lines"\r\n',
    );
  });

  it("refuses bad entries naming the field (JSON) or the line (CSV), storing nothing", async () => {
    const json = await admin("PUT", "/api/v1/manual/2025-02", {
      entries: [
        { clause: "7.2.4", value: 80 },
        { clause: "7.1.2", value: 3 },
        { clause: "7.2.1", value: 1 },
      ],
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().message).toBe(
      "entries[0].value: 7.2.4 is a ratio in [0, 1] (write 0.8 or 80%, not 80); entries[1].clause: not a clause entered by hand; entries[2].value: 7.2.1 expects true or false",
    );
    const csv = (text: string) =>
      admin("PUT", "/api/v1/manual/2025-02", text, { "content-type": "text/csv" });
    const soon = await csv("clause,value\n7.1.6,0.00001\n7.2.2,soon\n");
    expect(soon.statusCode).toBe(400);
    expect(soon.json().message).toBe("line 3 value: expected a number or true/false");
    const twice = await csv("clause,value\n7.1.6,0.00001\n7.2.2,2\n7.1.6,0\n");
    expect(twice.json().message).toBe("line 4 clause: clause given twice");
    const header = await csv("7.1.6,0\n");
    expect(header.json().message).toBe('line 1: expected the header "clause,value,note"');
    const quote = await csv('clause,value\n7.1.6,"0\n');
    expect(quote.json().code).toBe("MAILSLA_UNPARSEABLE_BODY");
    const month = await admin("PUT", "/api/v1/manual/2025-13", { entries: [{ clause: "7.1.6", value: 0 }] });
    expect(month.json().message).toBe("month: expected a month YYYY-MM");
    expect(await c.store.manual.list("2025-02")).toEqual([]);
  });
});

describe("SLA extension point", () => {
  it("answers 501 until the engine is wired in, and validates the period first", async () => {
    const r = await admin("GET", "/api/v1/sla?month=2025-02");
    expect(r.statusCode).toBe(501);
    expect(r.json().code).toBe("MAILSLA_SLA_UNAVAILABLE");
    expect((await admin("GET", "/api/v1/sla?month=2025-02&year=2025")).json().message).toBe(
      "give exactly one of month=YYYY-MM or year=YYYY",
    );
  });

  it("asks the provider when one is given", async () => {
    const wired = await testCollector({
      sla: { month: async (m) => ({ period: m, figures: {} }), year: async (y) => ({ period: y }) },
    });
    const r = await wired.app.inject({ method: "GET", url: "/api/v1/sla?year=2025", headers: bearer(ADMIN) });
    expect(r.json()).toEqual({ period: "2025" });
    await wired.close();
  });
});
