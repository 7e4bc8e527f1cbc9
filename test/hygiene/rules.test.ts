/**
 * The operator's alert rules leave the sender-hygiene services out of the availability rules: their
 * results are on metrics of their own (mailsla_hygiene_check_*), so a service of theirs with its own
 * interval must not get a down page or a stale rule of its own (it would never match, and its
 * promtool case would claim a listed IP is fault time).
 */
import { describe, expect, it } from "vitest";
import { alertOptionsFromConfig } from "../../alerts/options.js";
import { Agent, Thresholds } from "../../config/schema.js";
import { Service } from "../../config/services.js";

describe("alert options and the sender-hygiene kinds", () => {
  it("gives hygiene services no check-interval group and no say in the evaluation interval", () => {
    const services = [
      { name: "mx", kind: "smtp", host: "mx.example", interval: "5m" },
      {
        name: "bl",
        kind: "dnsbl",
        addresses: ["192.0.2.1"],
        lists: [{ zone: "bl.example" }],
        interval: "15m",
      },
      {
        name: "pm",
        kind: "role-addresses",
        host: "mx.example",
        from: "a@b.example",
        domains: ["c.example"],
        interval: "15s",
      },
      { name: "auth", kind: "sender-auth", interval: "10s" },
    ].map((s) => Service.parse(s));
    const o = alertOptionsFromConfig({ thresholds: Thresholds.parse({}), agent: Agent.parse({}), services });
    expect(o.checkIntervalByService).toEqual({ mx: 300_000 });
    expect(o.pageEvaluationMs).toBeNull();
  });
});
