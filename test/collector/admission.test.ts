/**
 * The trust boundary at ingest, against the real collector over a real socket: a record the
 * configuration does not describe, or with a string or number out of bounds, is refused with the
 * record index, the field and the rule, and nothing of it is stored; what the public page, /metrics
 * and the report show afterwards stays bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import type { ProbeResult } from "../../contract/result.js";
import { checkResult, deliveryResult } from "./fixtures.js";
import { trustCollector, type TrustCollector } from "./trust.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const recent = () => Date.now() - 10 * 60_000;
const check = (over: Partial<ProbeResult> = {}) => ({
  type: "check",
  payload: checkResult("a", { startedAt: recent(), ...over }),
});
const delivery = (over: Partial<DeliveryResult> = {}) => ({
  type: "delivery",
  payload: deliveryResult("a", { sentAt: recent(), ...over }),
});

let c: TrustCollector;
beforeAll(async () => {
  c = await trustCollector();
});
afterAll(async () => {
  await c.close();
});

/** Pushes one record from vantage `v`, expects it refused, and returns its one refusal. */
async function refusalOf(record: unknown, v: "a" | "b" | "c" = "a") {
  const before = await c.counts();
  const r = await c.ingest(v, [record]);
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.code).toBe("MAILSLA_INVALID_BODY");
  expect(r.body.records).toEqual([0]);
  expect(await c.counts()).toEqual(before);
  return r.body.refusals![0]!;
}

describe("ingest admits only what the configuration describes", () => {
  it("stores a record that fits", async () => {
    const r = await c.ingest("a", [check(), delivery()]);
    expect(r).toMatchObject({ status: 200, body: { accepted: 2 } });
  });

  it.each([
    ["an absurd delay (1e308 s)", delivery({ delaySeconds: 1e308 }), "payload.delaySeconds", "out-of-range"],
    [
      "a delay beyond the loss timeout",
      delivery({ delaySeconds: 7 * 3600 }),
      "payload.delaySeconds",
      "out-of-range",
    ],
    ["a negative bound", delivery({ errorBoundSeconds: -1 }), "payload.errorBoundSeconds", "out-of-range"],
    [
      "a check longer than its timeout",
      check({ durationSeconds: 600 }),
      "payload.durationSeconds",
      "out-of-range",
    ],
    [
      "a phase longer than the timeout",
      check({ phases: { connect: 90 } }),
      "payload.phases.connect",
      "out-of-range",
    ],
    ["a 20 KB service name", check({ check: "x".repeat(20_000) }), "payload.check", "too-long"],
    [
      "NUL and ESC in a server reply",
      check({ ok: false, error: { code: "protocol", stage: "banner", message: "220 \u0000\u001b[31mhi" } }),
      "payload.error.message",
      "control-character",
    ],
    [
      "a bidirectional override in a banner",
      check({ details: { banner: "mail \u202eexample" } }),
      "payload.details.banner",
      "control-character",
    ],
    ["a result dated 1970", check({ startedAt: 5 }), "payload.startedAt", "out-of-range"],
    ["a result dated 9999", check({ startedAt: Date.UTC(9999, 0, 1) }), "payload.startedAt", "out-of-range"],
    [
      "a result a year ahead",
      check({ startedAt: Date.now() + 365 * DAY }),
      "payload.startedAt",
      "from-the-future",
    ],
    [
      "a result older than the horizon",
      check({ startedAt: Date.now() - 401 * DAY }),
      "payload.startedAt",
      "too-old",
    ],
    [
      "a certificate valid until 9999",
      check({ tls: { notAfter: Date.UTC(9999, 0, 1) } }),
      "payload.tls.notAfter",
      "out-of-range",
    ],
    ["a service the configuration lacks", check({ check: "pop" }), "payload.check", "unknown-service"],
    ["a kind that is not the service's", check({ kind: "imap" }), "payload.kind", "kind-mismatch"],
    [
      "a delivery the configuration lacks",
      delivery({ delivery: "other" }),
      "payload.delivery",
      "unknown-delivery",
    ],
    [
      "a direction that is not the delivery's",
      delivery({ direction: "send" }),
      "payload.direction",
      "direction-mismatch",
    ],
  ])("refuses %s", async (_what, record, field, rule) => {
    const refusal = await refusalOf(record);
    expect(refusal).toMatchObject({ record: 0, field: `records[0].${field}`, rule });
    expect(refusal.message.length).toBeGreaterThan(10);
  });

  it("refuses a vantage point that does not check the service or run the delivery", async () => {
    const mx = await refusalOf({ type: "check", payload: checkResult("c", { startedAt: recent() }) }, "c");
    expect(mx).toMatchObject({ field: "records[0].payload.vantage", rule: "vantage-not-assigned" });
    expect(mx.message).toContain('vantage point "c" does not check service "mx"');
    const send = await refusalOf(
      {
        type: "delivery",
        payload: deliveryResult("b", { sentAt: recent(), delivery: "send", direction: "send" }),
      },
      "b",
    );
    expect(send).toMatchObject({ field: "records[0].payload.vantage", rule: "vantage-not-assigned" });
  });

  it("takes a clock a little ahead, within the configured skew", async () => {
    const r = await c.ingest("a", [check({ startedAt: Date.now() + 4 * 60_000 })]);
    expect(r.status).toBe(200);
  });

  it("refuses only the bad records of a batch, naming each, and stores none of the batch", async () => {
    const before = await c.counts();
    const r = await c.ingest("a", [
      check(),
      check({ check: "nope" }),
      delivery(),
      delivery({ delaySeconds: 1e308 }),
    ]);
    expect(r.status).toBe(400);
    expect(r.body.records).toEqual([1, 3]);
    expect(r.body.refusals!.map((x) => [x.record, x.rule])).toEqual([
      [1, "unknown-service"],
      [3, "out-of-range"],
    ]);
    expect(await c.counts()).toEqual(before);
  });

  it("afterwards the public page, /metrics and the SLA API answer, showing no refused value", async () => {
    for (const path of ["/", "/status.json", "/metrics"]) {
      const res = await fetch(c.url + path);
      const text = await res.text();
      expect(res.status, path).toBe(200);
      expect(text).not.toContain("1e+308");
      expect(text).not.toContain("xxxxxxxxxx");
      expect(text).not.toContain("\u001b");
    }
    const sla = await c.admin("GET", "/api/v1/sla");
    expect(sla.status).toBe(200);
    expect(JSON.stringify(sla.body)).not.toContain("1e+308");
  });
});

describe("a service removed from the configuration", () => {
  it("is refused with its own code, so an operator who renamed it sees why", async () => {
    const first = await trustCollector({
      extraServices: "\n  - { name: pop, kind: pop3, host: 127.0.0.1, account: probe }",
      keep: true,
    });
    const dataDir = first.dataDir;
    expect((await first.ingest("a", [check({ check: "pop", kind: "pop3" })])).status).toBe(200);
    await first.close();
    const again = await trustCollector({ dataDir });
    try {
      const r = await again.ingest("a", [check({ check: "pop", kind: "pop3" })]);
      expect(r.status).toBe(400);
      expect(r.body.refusals![0]).toMatchObject({
        field: "records[0].payload.check",
        rule: "service-removed",
      });
      expect(r.body.message).toContain('service "pop" is no longer in the configuration');
      const never = await again.ingest("a", [check({ check: "smtp2" })]);
      expect(never.body.refusals![0]!.rule).toBe("unknown-service");
    } finally {
      await again.close();
      (await import("node:fs")).rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
