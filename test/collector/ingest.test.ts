import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { promtoolCheckMetrics } from "../helpers/tools.js";
import {
  bearer,
  checkResult,
  deliveryResult,
  resultSeries,
  T0,
  testCollector,
  TOKENS,
  ADMIN,
  type TestCollector,
} from "./fixtures.js";

let c: TestCollector;
beforeEach(async () => {
  c = await testCollector();
});
afterEach(async () => {
  await c.close();
});

const ingest = (body: unknown, token: string | null = TOKENS.a) =>
  c.app.inject({
    method: "POST",
    url: "/api/v1/ingest",
    headers: token === null ? {} : bearer(token),
    payload: body as object,
  });

const stored = () => c.store.results.counts();

describe("POST /api/v1/ingest", () => {
  it("stores a batch, answers with counts, and is idempotent by result id", async () => {
    const batch = resultSeries("a", 5).map((payload) => ({ type: "check", payload }));
    const first = await ingest({ records: batch });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 5, duplicates: 0 });
    const again = await ingest({
      records: [...batch.slice(2), { type: "check", payload: checkResult("a") }],
    });
    expect(again.json()).toEqual({ accepted: 1, duplicates: 3 });
    expect(await stored()).toEqual({ checks: 6, deliveries: 0 });
    const sameTwice = checkResult("a");
    const r = await ingest({
      records: [
        { type: "check", payload: sameTwice },
        { type: "check", payload: sameTwice },
      ],
    });
    expect(r.json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(await c.store.results.checkPayload(sameTwice.id)).toEqual(sameTwice);
  });

  it("stores delivery results (DeliveryResult) by id at the time the operator took them over", async () => {
    const lost = deliveryResult("a", {
      sentAt: T0 - 5_000,
      outcome: "lost",
      ageSeconds: 14_400,
      delaySeconds: undefined,
      errorBoundSeconds: undefined,
      clock: undefined,
    });
    const records = [deliveryResult("a"), lost].map((payload) => ({ type: "delivery", payload }));
    expect((await ingest({ records })).json()).toEqual({ accepted: 2, duplicates: 0 });
    const [d] = await c.store.results.deliveries({ from: T0 - 10_000, to: T0 });
    expect(d).toEqual({
      id: lost.id,
      vantage: "a",
      at: T0 - 5_000,
      payload: JSON.parse(JSON.stringify(lost)),
    });
    const bad = await ingest({ records: [{ type: "delivery", payload: { ...lost, delaySeconds: 3 } }] });
    expect(bad.json().message).toBe("records[0].payload.delaySeconds: not allowed when outcome is lost");
    const other = await ingest({ records: [{ type: "delivery", payload: deliveryResult("c") }] });
    expect(other.statusCode).toBe(403);
    expect(await c.store.results.counts()).toEqual({ checks: 0, deliveries: 2 });
  });

  it.each([
    ["no token", null, "missing bearer token"],
    ["an unknown token", "not-a-token", "unknown agent token"],
    ["the admin token", ADMIN, "unknown agent token"],
  ])("answers 401 to %s and stores nothing", async (_what, token, message) => {
    const r = await ingest({ records: [{ type: "check", payload: checkResult("a") }] }, token);
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ code: "MAILSLA_UNAUTHORIZED", message });
    expect((await stored()).checks).toBe(0);
  });

  it("answers 400 naming the field, and stores none of the batch", async () => {
    const records = resultSeries("a", 5).map(
      (payload) => ({ type: "check", payload }) as Record<string, unknown>,
    );
    records[3] = { type: "check", payload: { ...checkResult("a"), startedAt: "yesterday" } };
    const r = await ingest({ records });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: "MAILSLA_INVALID_BODY",
      message: "records[3].payload.startedAt: expected number, received string",
      records: [3],
    });
    expect((await stored()).checks).toBe(0);
  });

  it("names every bad record: unknown type, bad uuid, unknown key", async () => {
    const r = await ingest({
      records: [
        { type: "check", payload: checkResult("a") },
        { type: "alert", payload: {} },
        { type: "delivery", payload: deliveryResult("a", { id: "not-a-uuid" }) },
        { type: "check", payload: { ...checkResult("a"), colour: "red" } },
      ],
    });
    expect(r.statusCode).toBe(400);
    const body = r.json<{ message: string; records: number[] }>();
    expect(body.records).toEqual([1, 2, 3]);
    expect(body.message).toContain("records[1].type: Invalid discriminator value");
    expect(body.message).toContain("records[2].payload.id: Invalid UUID");
    expect(body.message).toContain('records[3].payload: unknown key "colour"');
    expect((await stored()).checks).toBe(0);
  });

  it("answers 400 to a body that is not JSON or has no records", async () => {
    const garbage = await c.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: { ...bearer(TOKENS.a), "content-type": "application/json" },
      payload: '{"records": [',
    });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().code).toBe("MAILSLA_UNPARSEABLE_BODY");
    const empty = await ingest({ results: [] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain("records: expected array");
  });

  it("answers 403 to a record of another vantage point, and stores none of the batch", async () => {
    const r = await ingest({
      records: [
        { type: "check", payload: checkResult("a") },
        { type: "check", payload: checkResult("b") },
      ],
    });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({
      code: "MAILSLA_VANTAGE_MISMATCH",
      message: 'records[1].payload.vantage: "b" is not this agent\'s vantage point "a"',
      records: [1],
    });
    expect((await stored()).checks).toBe(0);
  });

  it("answers 413 to a body over the byte limit and to a batch over maxBatch, storing nothing", async () => {
    const big = { type: "check", payload: checkResult("a", { details: { banner: "x".repeat(70_000) } }) };
    const tooLarge = await ingest({ records: [big] });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toMatchObject({
      code: "MAILSLA_BODY_TOO_LARGE",
      message: "the body exceeds 65536 bytes",
    });
    const many = resultSeries("a", 101).map((payload) => ({ type: "check", payload }));
    const tooMany = await ingest({ records: many });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json()).toMatchObject({
      code: "MAILSLA_BATCH_TOO_LARGE",
      message: "101 records exceed the batch limit of 100",
    });
    expect((await stored()).checks).toBe(0);
  });

  it("checks the token before reading an oversized body", async () => {
    const big = { type: "check", payload: checkResult("a", { details: { banner: "x".repeat(70_000) } }) };
    const r = await ingest({ records: [big] }, "wrong");
    expect(r.statusCode).toBe(401);
  });
});

describe("/metrics and /healthz", () => {
  it("counts accepted, duplicate and rejected records; the exposition passes promtool", async () => {
    const batch = resultSeries("a", 3).map((payload) => ({ type: "check", payload }));
    await ingest({ records: batch });
    await ingest({ records: batch });
    await ingest({ records: batch }, "wrong");
    const r = await c.app.inject({ method: "GET", url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('mailsla_collector_ingest_records_total{type="check",outcome="accepted"} 3');
    expect(r.body).toContain('mailsla_collector_ingest_records_total{type="check",outcome="duplicate"} 3');
    expect(r.body).toContain('mailsla_collector_rejected_requests_total{code="MAILSLA_UNAUTHORIZED"} 1');
    expect(r.body).toMatch(/mailsla_collector_store_bytes [1-9]\d*/);
    expect(r.body).toContain("mailsla_collector_influx_queue_points 0");
    const lint = promtoolCheckMetrics(r.body);
    expect(lint.output).toBe("");
    expect(lint.ok).toBe(true);
  });

  it("/healthz says the process answers; /readyz says whether the ledger takes a write", async () => {
    expect((await c.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await c.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    await c.store.close();
    await new Promise((r) => setTimeout(r, 1100)); // readiness writes at most once a second
    expect((await c.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const r = await c.app.inject({ method: "GET", url: "/readyz" });
    expect(r.statusCode).toBe(503);
    expect(r.json().conditions).toContainEqual(expect.objectContaining({ name: "ledger-write", ok: false }));
  });

  it("answers an unknown route from the registry", async () => {
    const r = await c.app.inject({ method: "GET", url: "/nope" });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: "MAILSLA_NOT_FOUND", message: "no route GET /nope" });
  });
});
