import { Counter, Gauge, type Registry } from "prom-client";
import type { ServiceConfig } from "../../config/services.js";
import type { ProbeResult } from "../../contract/result.js";

/**
 * The results of the sender-hygiene kinds (sender-auth, dnsbl, role-addresses) on the agent's
 * /metrics, apart from `mailsla_check_*`: those feed the availability rules (a service down from the
 * quorum pages, a check not run is stale), and a listed IP or a DMARC failure is neither an outage
 * nor a stale check (sender-auth runs when a send probe arrives, not on an interval). Same labels
 * as the check metrics: the configured service, its kind, the vantage point, the closed code and
 * stage lists.
 */
export interface HygieneCheckMetrics {
  observe(result: ProbeResult): void;
}

/** Registers the metrics, every configured hygiene service at 0 runs so "none yet" is visible. */
export function hygieneCheckMetrics(
  registry: Registry,
  services: readonly ServiceConfig[],
  vantage: string,
): HygieneCheckMetrics {
  const labelNames = ["service", "kind", "vantage"] as const;
  const success = new Gauge({
    name: "mailsla_hygiene_check_success",
    help: "1 if the latest sender-hygiene check (sender-auth, dnsbl, role-addresses) passed, 0 if it failed",
    labelNames,
    registers: [registry],
  });
  const runs = new Counter({
    name: "mailsla_hygiene_check_runs_total",
    help: "Sender-hygiene checks run (sender-auth: probe messages judged at the sink)",
    labelNames,
    registers: [registry],
  });
  const failures = new Counter({
    name: "mailsla_hygiene_check_failures_total",
    help: "Failed sender-hygiene checks by closed error code (spf-fail, listed, ...) and stage",
    labelNames: [...labelNames, "code", "stage"],
    registers: [registry],
  });
  const lastRun = new Gauge({
    name: "mailsla_hygiene_check_last_run_timestamp_seconds",
    help: "Start time of the latest sender-hygiene check, Unix seconds",
    labelNames,
    registers: [registry],
  });
  for (const s of services) runs.inc({ service: s.name, kind: s.kind, vantage }, 0);
  return {
    observe(r) {
      const labels = { service: r.check, kind: r.kind, vantage };
      runs.inc(labels);
      success.set(labels, r.ok ? 1 : 0);
      lastRun.set(labels, r.startedAt / 1000);
      if (r.error) failures.inc({ ...labels, code: r.error.code, stage: r.error.stage });
    },
  };
}
