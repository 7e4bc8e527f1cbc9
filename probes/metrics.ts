import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ServiceConfig } from "../config/services.js";
import { describeIndicator, INDICATORS } from "../contract/indicators.js";
import type { ProbeResult } from "../contract/result.js";

/** The latest result per service of the security checks, by the clause they prove. */
const SECURITY_CLAUSES = {
  submission: { code: "auth-not-required", clause: INDICATORS.smtpAuthRequired.clause },
  relay: { code: "open-relay", clause: INDICATORS.openRelayClosed.clause },
} as const;

/** The agent's metrics, registered on a registry the caller owns (never prom-client's global one). */
export interface AgentMetrics {
  /** Records one check result. */
  observe(result: ProbeResult): void;
}

/**
 * Creates the agent's metrics for its services. Label values come from the configuration and the
 * closed error/stage lists only, so cardinality is bounded. Every service's series exist from the
 * start (0 runs) so that "no result yet" is visible rather than absent.
 */
export function createAgentMetrics(
  registry: Registry,
  services: readonly ServiceConfig[],
  vantage: string,
): AgentMetrics {
  const labelNames = ["service", "kind", "vantage"] as const;
  const success = new Gauge({
    name: "mailsla_check_success",
    help: "1 if the latest check of the service from this vantage point passed, 0 if it failed",
    labelNames,
    registers: [registry],
  });
  const runs = new Counter({
    name: "mailsla_check_runs_total",
    help: "Checks run, passed or failed",
    labelNames,
    registers: [registry],
  });
  const failures = new Counter({
    name: "mailsla_check_failures_total",
    help: "Failed checks by closed error code and the protocol stage that failed",
    labelNames: [...labelNames, "code", "stage"],
    registers: [registry],
  });
  const duration = new Gauge({
    name: "mailsla_check_duration_seconds",
    help: "Duration of the latest check, all stages",
    labelNames,
    registers: [registry],
  });
  const phases = new Histogram({
    name: "mailsla_check_phase_duration_seconds",
    help: "Duration of each protocol stage of a check (connect, tls, banner, ehlo, auth, login, ...)",
    labelNames: [...labelNames, "phase"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const lastRun = new Gauge({
    name: "mailsla_check_last_run_timestamp_seconds",
    help: "Start time of the latest check, Unix seconds",
    labelNames,
    registers: [registry],
  });
  const certNotAfter = new Gauge({
    name: "mailsla_tls_certificate_not_after_timestamp_seconds",
    help: "Expiry of the certificate the service presented in the latest check, Unix seconds",
    labelNames,
    registers: [registry],
  });
  const compliant = new Gauge({
    name: "mailsla_security_compliant",
    help: `1 if the latest check proved the clause holds, 0 if it found a violation: ${describeIndicator("smtpAuthRequired")}; ${describeIndicator("openRelayClosed")}`,
    labelNames: [...labelNames, "clause"],
    registers: [registry],
  });

  const kindOf = new Map(services.map((s) => [s.name, s.kind]));
  for (const s of services) runs.inc({ service: s.name, kind: s.kind, vantage }, 0);

  return {
    observe(r) {
      const labels = { service: r.check, kind: kindOf.get(r.check) ?? r.kind, vantage };
      runs.inc(labels);
      success.set(labels, r.ok ? 1 : 0);
      duration.set(labels, r.durationSeconds);
      lastRun.set(labels, r.startedAt / 1000);
      for (const [phase, seconds] of Object.entries(r.phases)) phases.observe({ ...labels, phase }, seconds);
      if (r.error) failures.inc({ ...labels, code: r.error.code, stage: r.error.stage });
      if (r.tls) certNotAfter.set(labels, r.tls.notAfter / 1000);
      const security = SECURITY_CLAUSES[r.kind as keyof typeof SECURITY_CLAUSES];
      if (security) {
        // a check that failed for another reason (e.g. connect) proves nothing either way: keep the last verdict
        if (r.ok) compliant.set({ ...labels, clause: security.clause }, 1);
        else if (r.error?.code === security.code) compliant.set({ ...labels, clause: security.clause }, 0);
      }
    },
  };
}

/**
 * A fresh registry with prom-client's process and Node.js metrics under `prefix`, minus the three
 * gauges prom-client names `..._total` (`nodejs_active_handles_total` and friends), which
 * `promtool check metrics` rightly flags: only counters may end in `_total`.
 */
export function createProcessRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"]) {
    registry.removeSingleMetric(`${prefix}nodejs_${name}`);
  }
  return registry;
}
