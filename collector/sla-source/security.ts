import type { ErrorCode } from "../../contract/errors.js";
import type { SecurityCheck, SecurityVerdict } from "../sla/security.js";
import type { StoredCheck } from "../store/results.js";
import type { ResultReader } from "../store/types.js";

/**
 * 7.1.13 (SMTP authentication required) and 7.1.14 (open relay closed) from the check results of
 * submission and relay services. A passed check is a compliant verdict; a check failed with the
 * violation's own error code is a violation; any other failure (connection refused, TLS, timeout)
 * says nothing about authentication or relaying, so it is no verdict at all.
 */

/** What a service's check results say, by check kind. */
const VERDICT_OF_KIND: Readonly<Record<string, { check: SecurityCheck; violation: ErrorCode }>> = {
  submission: { check: "smtpAuthRequired", violation: "auth-not-required" },
  relay: { check: "openRelayClosed", violation: "open-relay" },
};

/** Whether a check kind yields 7.1.13/7.1.14 verdicts: only such results can change those states. */
export function isSecurityKind(kind: string): boolean {
  return kind in VERDICT_OF_KIND;
}

/** The verdict one stored check carries, if any. */
export function verdictOf(
  c: Pick<StoredCheck, "service" | "kind" | "startedAt" | "ok" | "code">,
): SecurityVerdict | undefined {
  const rule = VERDICT_OF_KIND[c.kind];
  if (!rule) return undefined;
  if (c.ok) return { check: rule.check, service: c.service, at: c.startedAt, ok: true };
  if (c.code === rule.violation) return { check: rule.check, service: c.service, at: c.startedAt, ok: false };
  return undefined;
}

const DAY = 86_400_000;
/** How far back the state at a period's start is looked for; older verdicts no longer describe it. */
export const VERDICT_LOOKBACK_MS = 366 * DAY;

type CheckSource = Pick<ResultReader, "checks">;

async function verdictsIn(
  source: CheckSource,
  service: string,
  from: number,
  to: number,
): Promise<SecurityVerdict[]> {
  return (await source.checks({ from, to, service })).flatMap((c) => verdictOf(c) ?? []);
}

/** The newest verdict on `service` before `before`, searched in growing windows back in time. */
async function latestBefore(
  source: CheckSource,
  service: string,
  before: number,
): Promise<SecurityVerdict | undefined> {
  let end = before;
  let width = DAY;
  while (end > before - VERDICT_LOOKBACK_MS) {
    const start = Math.max(end - width, before - VERDICT_LOOKBACK_MS);
    const found = await verdictsIn(source, service, start, end);
    if (found.length > 0) return found[found.length - 1];
    end = start;
    width *= 4;
  }
  return undefined;
}

/**
 * The verdicts the engine needs for `[from, to)`: every verdict inside, and each service's latest
 * one before `from` (the state is the latest verdict, which may predate the period).
 */
export async function loadVerdicts(
  source: CheckSource,
  services: readonly { readonly name: string; readonly kind: string }[],
  from: number,
  to: number,
): Promise<SecurityVerdict[]> {
  const out: SecurityVerdict[] = [];
  for (const s of services.filter((s) => isSecurityKind(s.kind))) {
    const before = await latestBefore(source, s.name, from);
    out.push(...(before ? [before] : []), ...(await verdictsIn(source, s.name, from, to)));
  }
  return out;
}
