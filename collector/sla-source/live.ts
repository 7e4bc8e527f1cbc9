import type { LiveState, OpenMaintenance, ServiceStateNow } from "../metrics/live-state.js";
import type { Interval } from "../sla/intervals.js";
import { judgeWindows, windowCovers } from "../sla/maintenance.js";
import { servesSegment } from "../sla/segment-faults.js";
import { buildTimeline, lookbackMs, type EngineSetup } from "../sla/timeline.js";
import type { CollectorStore } from "../store/index.js";

/**
 * The state of things *now* for /metrics (collector/metrics/live-state.ts): each configured
 * (service, segment) pair up, down or unknown by the engine's own quorum rule, the maintenance
 * windows not ended, and each agent's last push. Reads only the last lookback of results: whether a
 * vantage point is failing now depends on its last few results alone.
 */

const contains = (list: readonly Interval[], t: number) => list.some((i) => i.start <= t && t < i.end);

/** Every service's state at the last instant before `now`, by service name. */
async function statesNow(
  store: CollectorStore,
  setup: EngineSetup,
  now: number,
): Promise<Map<string, ServiceStateNow>> {
  const range = { start: now - lookbackMs(setup), end: now };
  const series = await store.results.observationSeries(range.start, range.end);
  const t = buildTimeline({ setup, now, series }, range);
  const at = now - 1;
  return new Map(
    t.services.map((s) => [
      s.service,
      contains(s.down, at) ? "down" : contains(s.unknown, at) ? "unknown" : "up",
    ]),
  );
}

/** Windows whose effective end (cancellation applied) is after `now`; void ones left out. */
async function openWindows(
  store: CollectorStore,
  setup: EngineSetup,
  now: number,
): Promise<OpenMaintenance[]> {
  const judged = judgeWindows(await store.maintenance.list(now, Infinity), setup.lateNoticeCountsAs);
  return judged
    .filter((j) => j.effective.end > now && j.effective.end > j.effective.start)
    .map((j) => ({
      id: j.window.id,
      start: j.effective.start,
      end: j.effective.end,
      late: j.late,
      countsAs: j.countedAs,
      covers: setup.services.flatMap((s) =>
        setup.segments
          .filter((g) => servesSegment(s, g.name) && windowCovers(j.window, s.name, g.name))
          .map((g) => ({ service: s.name, segment: g.name })),
      ),
    }));
}

/** The live state at `now`; `lastPush` gives each vantage point's last push (Unix ms). */
export async function liveState(
  store: CollectorStore,
  setup: EngineSetup,
  now: number,
  lastPush: (vantage: string) => number | null,
): Promise<LiveState> {
  const states = await statesNow(store, setup, now);
  return {
    totalUsers: setup.totalUsers,
    segments: setup.segments,
    services: setup.services.flatMap((s) =>
      setup.segments
        .filter((g) => servesSegment(s, g.name))
        .map((g) => ({ service: s.name, segment: g.name, state: states.get(s.name) ?? "unknown" })),
    ),
    maintenance: await openWindows(store, setup, now),
    agents: setup.vantagePoints.map((vantage) => ({ vantage, lastPushAt: lastPush(vantage) })),
  };
}
