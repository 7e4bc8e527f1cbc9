import type { ReputationService } from "../sla/reputation.js";
import type { ResultQuery, StoredCheck } from "../store/results.js";
import { badge, duration, empty, esc, table, when, type Row } from "./html.js";

/**
 * The status page's sender-hygiene section (issue 14): one row per hygiene check (service and
 * vantage point) with its newest result, so a NOC sees a listing, a DKIM failure or a refused
 * postmaster@ without opening Grafana. Reputation, not availability: these rows never change the
 * page's UP/DOWN summary. The words differ from the live state's (PASSING, FAILING, STALE) so a
 * hygiene row is never read as an outage.
 */

/** The newest result of one hygiene check from one vantage point, or a service with none lately. */
export interface HygieneCheck {
  readonly service: string;
  readonly kind: string;
  /** null: no result of the service from any vantage point in its look-back. */
  readonly vantage: string | null;
  readonly at: number | null;
  readonly ok: boolean | null;
  readonly code: string | null;
  /** The result is older than the time one result vouches for (the report's rule). */
  readonly stale: boolean;
  /** How far back was looked: twice the time one result vouches for. */
  readonly lookBackMs: number;
}

/** The reads this needs from the store, sync or async. */
export interface HygieneReader {
  checks(q: ResultQuery): Promise<StoredCheck[]> | StoredCheck[];
}

/** The newest result per (hygiene service, vantage point), one query per service. */
export async function hygieneChecks(
  reader: HygieneReader,
  services: readonly ReputationService[],
  now: number,
): Promise<HygieneCheck[]> {
  const out: HygieneCheck[] = [];
  for (const s of services) {
    const lookBackMs = 2 * s.freshMs;
    const newest = new Map<string, StoredCheck>();
    for (const c of await reader.checks({ from: now - lookBackMs, to: now + 1, service: s.name }))
      newest.set(c.vantage, c);
    const common = { service: s.name, kind: s.kind, lookBackMs };
    if (newest.size === 0)
      out.push({ ...common, vantage: null, at: null, ok: null, code: null, stale: true });
    for (const c of [...newest.values()].sort((a, b) => a.vantage.localeCompare(b.vantage)))
      out.push({
        ...common,
        vantage: c.vantage,
        at: c.startedAt,
        ok: c.ok,
        code: c.code,
        stale: now - c.startedAt > s.freshMs,
      });
  }
  return out;
}

/** The section's markup: a table of the checks, or why there is none. */
export function hygieneHtml(rows: readonly HygieneCheck[], zone: string, now: number): string {
  if (rows.length === 0) return empty("No sender-hygiene checks are configured (docs/sender-hygiene.md).");
  const html = rows.map((r): Row => {
    const head = `${esc(r.service)}<span class="sub">${esc(r.kind)}</span>`;
    if (r.at === null)
      return {
        head,
        cells: ["–", badge("unknown", "NO RESULT"), `none in the last ${esc(duration(r.lookBackMs))}`],
      };
    const word =
      r.ok === false
        ? badge("fail", "FAILING") + (r.code ? `<span class="sub">${esc(r.code)}</span>` : "")
        : badge("pass", "PASSING");
    const state = r.stale ? `${word} ${badge("unknown", "STALE")}` : word;
    const at = `${when(r.at, zone)}<span class="sub">${esc(duration(now - r.at))} ago</span>`;
    return { head, cells: [esc(r.vantage ?? ""), state, at], cls: r.ok === false ? "row-down" : "" };
  });
  return table(
    "Newest result of each sender-hygiene check from each vantage point",
    ["Check", "Vantage point", "Newest result", "At"],
    html,
    "hygiene",
  );
}
