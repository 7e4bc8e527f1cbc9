import { EVENT_KINDS } from "../config/hygiene.js";
import type { Config } from "../config/schema.js";
import { runDeps, servicesFor } from "../probes/agent.js";
import { ERROR_CODES, type ErrorCode } from "../contract/errors.js";
import type { ProbeResult } from "../contract/result.js";
import { runCheck } from "../probes/run-check.js";

/**
 * Runs every check of a vantage point once, concurrently, and returns the results: the
 * `mailsla check` command, for trying a configuration out or for cron/Nagios-style use.
 */
export async function checkOnce(
  config: Readonly<Config>,
  vantage: string,
  only: readonly string[] = [],
): Promise<ProbeResult[]> {
  const services = servicesFor(config, vantage).filter((s) => only.length === 0 || only.includes(s.name));
  const unknown = only.filter((n) => !services.some((s) => s.name === n));
  if (unknown.length > 0) {
    const deliveries = unknown.filter((n) => config.deliveries.some((d) => d.name === n));
    const hint = deliveries.length > 0 ? ` (${deliveries.join(", ")}: a delivery; try --delivery NAME)` : "";
    throw new Error(`no such service for vantage point "${vantage}": ${unknown.join(", ")}${hint}`);
  }
  const event = services.filter((s) => EVENT_KINDS.has(s.kind)).map((s) => s.name);
  if (event.length > 0 && only.length > 0)
    throw new Error(
      `${event.join(", ")}: judged on the sink's probe messages; try --delivery NAME of a send delivery`,
    );
  const deps = runDeps(config, vantage);
  const scheduled = services.filter((s) => !EVENT_KINDS.has(s.kind));
  return Promise.all(scheduled.map((s) => runCheck(s, s.timeout ?? config.agent.timeout, deps)));
}

/** One line per result, for a terminal: what passed, what failed, where and why. */
export function formatResult(r: ProbeResult): string {
  const head = `${r.ok ? "PASS" : "FAIL"}  ${r.check.padEnd(20)} ${r.kind.padEnd(10)} ${(r.durationSeconds * 1000).toFixed(0).padStart(6)} ms`;
  if (r.ok) {
    const cert = r.tls
      ? `  certificate valid until ${new Date(r.tls.notAfter).toISOString().slice(0, 10)}`
      : "";
    return head + cert;
  }
  const e = r.error!;
  const reply = e.responseCode ? ` [${e.responseCode}]` : "";
  return `${head}  ${e.code} at ${e.stage}${reply}: ${ERROR_CODES[e.code as ErrorCode]} (${e.message})`;
}
