import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Service, type ServiceConfig } from "../../config/services.js";
import { createAgentMetrics } from "../../probes/metrics.js";
import type { ProbeResult } from "../../contract/result.js";
import { promtoolCheckMetrics } from "../helpers/tools.js";

const services = [
  { name: "mx", kind: "smtp", host: "h" },
  { name: "sub", kind: "submission", host: "h", account: "a", foreignRecipient: "x@remote.test" },
  { name: "relay", kind: "relay", host: "h", from: "p@probe.test", foreignRecipient: "x@remote.test" },
].map((s) => Service.parse(s) as ServiceConfig);

function result(check: string, kind: ProbeResult["kind"], extra: Partial<ProbeResult> = {}): ProbeResult {
  return {
    id: crypto.randomUUID(),
    check,
    kind,
    vantage: "v1",
    startedAt: Date.UTC(2026, 10, 22),
    durationSeconds: 0.25,
    ok: true,
    phases: { connect: 0.01, banner: 0.02, ehlo: 0.01 },
    ...extra,
  };
}

describe("agent metrics", () => {
  it("exports success, failures by code and stage, phases and certificate expiry, and passes promtool", async () => {
    const registry = new Registry();
    const m = createAgentMetrics(registry, services, "v1");
    m.observe(result("mx", "smtp", { tls: { notAfter: Date.UTC(2027, 0, 1) } }));
    m.observe(
      result("sub", "submission", {
        ok: false,
        error: { code: "auth-not-required", stage: "rcpt", message: "accepted" },
      }),
    );
    m.observe(
      result("relay", "relay", { ok: false, error: { code: "connect", stage: "connect", message: "x" } }),
    );
    const text = await registry.metrics();
    expect(text).toContain('mailsla_check_success{service="mx",kind="smtp",vantage="v1"} 1');
    expect(text).toContain('mailsla_check_success{service="sub",kind="submission",vantage="v1"} 0');
    expect(text).toContain(
      'mailsla_check_failures_total{service="sub",kind="submission",vantage="v1",code="auth-not-required",stage="rcpt"} 1',
    );
    expect(text).toContain(
      `mailsla_tls_certificate_not_after_timestamp_seconds{service="mx",kind="smtp",vantage="v1"} ${Date.UTC(2027, 0, 1) / 1000}`,
    );
    expect(text).toContain(
      'mailsla_security_compliant{service="sub",kind="submission",vantage="v1",clause="7.1.13"} 0',
    );
    // a relay check that could not connect proves nothing about 7.1.14: no verdict yet
    expect(text).not.toContain('clause="7.1.14"');
    expect(text).toMatch(/mailsla_check_phase_duration_seconds_bucket\{.*phase="banner".*\} 1/);
    const lint = promtoolCheckMetrics(text);
    expect(lint.output).toBe("");
    expect(lint.ok).toBe(true);
  });

  it("every configured service has a runs counter from the start", async () => {
    const registry = new Registry();
    createAgentMetrics(registry, services, "v1");
    const text = await registry.metrics();
    for (const s of services) expect(text).toContain(`mailsla_check_runs_total{service="${s.name}"`);
  });
});
