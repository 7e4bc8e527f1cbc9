/**
 * The collector and the sender-hygiene kinds: results of configured sender-auth, dnsbl,
 * role-addresses, dns-policy (MTA-STS codes too) and sending-limit services, with their codes and stages, are admitted like any check's (a vantage
 * point the service does not name is refused), and their failures are never fault time: the SLA
 * API shows no incident and no warning for them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProbeResult } from "../../contract/result.js";
import { checkResult } from "../collector/fixtures.js";
import { trustCollector, type TrustCollector } from "../collector/trust.js";

const EXTRA = `
  - { name: outbound-auth, kind: sender-auth, vantagePoints: [a] }
  - { name: blocklists, kind: dnsbl, addresses: [192.0.2.1], lists: [{ zone: bl.example }] }
  - { name: postmaster, kind: role-addresses, host: 127.0.0.1, from: x@foreign.example, domains: [example.net] }
  - { name: published, kind: dns-policy, domains: [example.net] }
  - { name: limit, kind: sending-limit, host: 127.0.0.1, account: probe, recipient: l@sink.example, burst: 5, interval: 1d }`;

let c: TrustCollector;
beforeAll(async () => {
  c = await trustCollector({ extraServices: EXTRA });
});
afterAll(() => c?.close());

const failed = (check: string, kind: ProbeResult["kind"], code: string, stage: string, at: number) => ({
  type: "check",
  payload: checkResult("a", {
    check,
    kind,
    startedAt: at,
    ok: false,
    error: { code, stage, message: `${code} at ${stage}` } as ProbeResult["error"],
  }),
});

describe("sender-hygiene results at the collector", () => {
  it("admits each kind's failures with its own code and stage, and none is fault time", async () => {
    const start = Date.now() - 30 * 60_000;
    const records = [];
    for (let i = 0; i < 10; i++) {
      const at = start + i * 60_000;
      records.push(
        failed("outbound-auth", "sender-auth", "dmarc-fail", "dmarc", at),
        failed("blocklists", "dnsbl", "listed", "dnsbl", at),
        failed("postmaster", "role-addresses", "role-address-refused", "rcpt", at),
        failed("published", "dns-policy", i % 2 ? "mta-sts-policy" : "mta-sts-mx", "policy", at),
        failed("limit", "sending-limit", "no-send-limit", "data", at),
      );
    }
    const r = await c.ingest("a", records);
    expect(r, JSON.stringify(r.body)).toMatchObject({ status: 200, body: { accepted: 50 } });
    const month = new Date(start).toISOString().slice(0, 7);
    const sla = await c.admin("GET", `/api/v1/sla?month=${month}`);
    expect(sla.status).toBe(200);
    const text = JSON.stringify(sla.body);
    expect(text).not.toMatch(/outbound-auth|blocklists|postmaster|published|limit/);
    const body = sla.body as {
      coverage: { services: { service: string }[] };
      warnings: string[];
      incidents: unknown[];
    };
    expect(body.coverage.services.map((s) => s.service)).toEqual(["mx", "imap", "submission"]);
    expect(body.warnings).toEqual([]);
    expect(body.incidents).toEqual([]);
  });

  it("refuses a sender-auth result from a vantage point the service does not name", async () => {
    const payload = {
      ...failed("outbound-auth", "sender-auth", "spf-fail", "spf", Date.now() - 60_000).payload,
    };
    const r = await c.ingest("b", [{ type: "check", payload: { ...payload, vantage: "b" } }]);
    expect(r.status).toBe(400);
    expect(r.body.refusals?.[0]).toMatchObject({
      field: "records[0].payload.vantage",
      rule: "vantage-not-assigned",
    });
  });
});
