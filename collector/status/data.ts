import type { LiveState } from "../metrics/live-state.js";
import type { SlaWiring } from "../routes/sla.js";
import { yearOf } from "../sla/calendar.js";
import type { PeriodResult } from "../sla/engine.js";
import { judgeWindows, type JudgedWindow } from "../sla/maintenance.js";
import type { StoredWindow } from "../store/maintenance.js";
import type { YearResult } from "../sla/year.js";
import type { ReputationService } from "../sla/reputation.js";
import type { CollectorStore } from "../store/index.js";
import { hygieneChecks, type HygieneCheck } from "./hygiene.js";

/**
 * Everything one rendering of the status page shows, read at one instant. The page is the embedded
 * default's dashboard, so it must say something useful whatever is missing: with the SLA wiring's
 * snapshot it shows the engine's live state and month figures; with only the wiring's month and
 * year it shows the figures beside the latest raw check results; without the wiring, the raw
 * results alone, and it says so. Nothing here computes a figure: the engine does.
 */

/** The SLA wiring as the page uses it: its snapshot (month, year and live state at one instant) when offered. */
export type StatusSla = SlaWiring;

/** What the status page reads. */
export interface StatusDeps {
  readonly store: CollectorStore;
  readonly sla?: StatusSla | undefined;
  /** Configured vantage points (the agent tokens' names): an agent that never pushed is listed too. */
  readonly vantagePoints: readonly string[];
  readonly now: () => number;
  /** The sender-hygiene services (report/reputation-source.ts reputationServices): a row per check. */
  readonly hygiene?: readonly ReputationService[];
}

/** The newest check result of one (service, vantage point): the live view without the engine. */
export interface LatestCheck {
  readonly service: string;
  readonly vantage: string;
  readonly at: number;
  readonly ok: boolean;
  readonly code: string | null;
}

/** A declared window with its notice judged (6.1.6) and the operator's description. */
export type StatusWindow = JudgedWindow & { readonly description: string | null };

/** One rendering's data. */
export interface StatusData {
  readonly now: number;
  /** The month's engine result (with its "YYYY-MM"), or null when the engine could not be asked. */
  readonly month: (PeriodResult & { readonly month?: string }) | null;
  readonly year: YearResult | null;
  /** The engine's live state (quorum applied), when the wiring offers a snapshot. */
  readonly live: LiveState | null;
  /** Newest raw result per (service, vantage point) of the last {@link RAW_WINDOW_MS}: shown without `live`. */
  readonly latest: readonly LatestCheck[];
  /** Maintenance windows not ended before the month began, judged against 6.1.6. */
  readonly windows: readonly StatusWindow[];
  /** Each vantage point's last push (or newest result without the engine), Unix ms or null. */
  readonly agents: readonly { readonly vantage: string; readonly lastPushAt: number | null }[];
  /** The newest result of each sender-hygiene check (reputation, never the page's UP/DOWN). */
  readonly hygiene?: readonly HygieneCheck[];
  /** What could not be shown and why, in words for the page. */
  readonly notices: readonly string[];
}

/** How far back the raw view looks for each series' newest result. */
export const RAW_WINDOW_MS = 15 * 60_000;
const DAY = 86_400_000;

/** A month answer of the wiring, as far as the page relies on its shape. */
function asMonth(x: unknown): PeriodResult & { month?: string } {
  const m = x as Partial<PeriodResult> | null;
  if (!m || typeof m !== "object" || !m.figures || !m.period || !Array.isArray(m.incidents)) {
    throw new Error("the SLA wiring answered something that is not a month result");
  }
  return m as PeriodResult & { month?: string };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Month, year and live state from the wiring: its snapshot, else its month and year. */
async function engineView(sla: StatusSla, now: number, notices: string[]) {
  if (sla.snapshot) {
    const s = await sla.snapshot();
    return { month: s.month, year: s.year, live: s.live };
  }
  const month = asMonth(await sla.month());
  const year = (await sla.year(yearOf(now, month.period.timeZone))) as YearResult;
  notices.push(
    "Live state is the newest check per vantage point: this collector's SLA wiring offers no snapshot, so no quorum is applied.",
  );
  return { month, year, live: null };
}

/** The newest result per (service, vantage point) in the last {@link RAW_WINDOW_MS}. */
export async function latestChecks(store: CollectorStore, now: number): Promise<LatestCheck[]> {
  const newest = new Map<string, LatestCheck>();
  for (const c of await store.results.checks({ from: now - RAW_WINDOW_MS, to: now + 1 })) {
    newest.set(`${c.service}\u0000${c.vantage}`, {
      service: c.service,
      vantage: c.vantage,
      at: c.startedAt,
      ok: c.ok,
      code: c.code,
    });
  }
  return [...newest.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.vantage.localeCompare(b.vantage),
  );
}

function rawAgents(vantagePoints: readonly string[], latest: readonly LatestCheck[]) {
  return vantagePoints.map((vantage) => {
    const times = latest.filter((l) => l.vantage === vantage).map((l) => l.at);
    return { vantage, lastPushAt: times.length > 0 ? Math.max(...times) : null };
  });
}

function statusWindows(
  stored: readonly StoredWindow[],
  lateCountsAs: "fault" | "maintenance",
): StatusWindow[] {
  return judgeWindows(stored, lateCountsAs).map((j, i) => ({
    ...j,
    description: stored[i]!.description ?? null,
  }));
}

/** Reads everything the page shows at `deps.now()`; never throws for a missing or failing engine. */
export async function gatherStatus(deps: StatusDeps): Promise<StatusData> {
  const now = deps.now();
  const notices: string[] = [];
  let engine: { month: StatusData["month"]; year: YearResult | null; live: LiveState | null } = {
    month: null,
    year: null,
    live: null,
  };
  if (!deps.sla) {
    notices.push(
      "The SLA engine is not wired into this collector: live state only, no month-to-date figures.",
    );
  } else {
    try {
      engine = await engineView(deps.sla, now, notices);
    } catch (err) {
      notices.push(`The SLA engine failed (${message(err)}): live state only, no month-to-date figures.`);
    }
  }
  // hygiene results are reputation: they have their own section and never make the page FAILED
  const hygiene = new Set(deps.hygiene?.map((s) => s.name));
  const raw = engine.live ? [] : await latestChecks(deps.store, now);
  const latest = raw.filter((l) => !hygiene.has(l.service));
  const monthStart = engine.month?.period.start ?? now - 31 * DAY;
  const lateCountsAs = engine.month?.lateNoticeCountsAs ?? "fault";
  return {
    now,
    ...engine,
    latest,
    windows: statusWindows(await deps.store.maintenance.list(monthStart, Infinity), lateCountsAs),
    agents: engine.live?.agents ?? rawAgents(deps.vantagePoints, raw),
    hygiene: deps.hygiene ? await hygieneChecks(deps.store.results, deps.hygiene, now) : [],
    notices,
  };
}
