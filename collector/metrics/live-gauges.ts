import { describeIndicator, INDICATORS, RULES } from "../../contract/indicators.js";
import { countBySegment } from "./budget-gauges.js";
import type { Sample, SlaGaugeDef } from "./gauge-def.js";
import type { LiveState, OpenMaintenance, ServiceStateNow } from "./live-state.js";

/**
 * Gauges of the state *now*: what is down, which segments are in fault, what share of users that
 * is (the rate the fault budget burns at), which maintenance runs, and when each agent last pushed.
 * Burn-rate alerts average `mailsla_fault_users_ratio` over their windows.
 */

const STATES: readonly ServiceStateNow[] = ["up", "down", "unknown"];

/** Windows running at `now`. */
export function activeWindows(live: LiveState, now: number): OpenMaintenance[] {
  return live.maintenance.filter((w) => w.start <= now && now < w.end);
}

const pairKey = (service: string, segment: string) => `${service}\u0000${segment}`;

/** Pairs covered now by a running window, and those of them whose down time counts as maintenance. */
function coveredPairs(live: LiveState, now: number): { any: Set<string>; excused: Set<string> } {
  const any = new Set<string>();
  const excused = new Set<string>();
  for (const w of activeWindows(live, now)) {
    for (const c of w.covers) {
      any.add(pairKey(c.service, c.segment));
      if (w.countsAs === "maintenance") excused.add(pairKey(c.service, c.segment));
    }
  }
  return { any, excused };
}

/**
 * Segments in fault now (DESIGN step 3-4): a service of the segment is down and no running window
 * turns that down time into maintenance.
 */
export function segmentsInFault(live: LiveState, now: number): Set<string> {
  const { excused } = coveredPairs(live, now);
  const out = new Set<string>();
  for (const s of live.services) {
    if (s.state === "down" && !excused.has(pairKey(s.service, s.segment))) out.add(s.segment);
  }
  return out;
}

/** Users in fault now / total users: the instantaneous rate at which 7.1.2's budget is spent. */
export function faultUsersRatio(live: LiveState, now: number): number {
  if (live.totalUsers <= 0) return 0;
  const inFault = segmentsInFault(live, now);
  const users = live.segments.filter((s) => inFault.has(s.name)).reduce((n, s) => n + s.users, 0);
  return Math.min(1, users / live.totalUsers);
}

function stateSamples(live: LiveState): Sample[] {
  return live.services.flatMap((s) =>
    STATES.map((state) => ({
      labels: { service: s.service, segment: s.segment, state },
      value: s.state === state ? 1 : 0,
    })),
  );
}

/** Gauges of the live state. */
export const LIVE_GAUGES: readonly SlaGaugeDef[] = [
  {
    name: "mailsla_service_state",
    help: "State of each service in each segment now, as the quorum of vantage points decides it: 1 for the current state (up, down or unknown), 0 for the others",
    labelNames: ["service", "segment", "state"],
    samples: (s) => stateSamples(s.live),
  },
  {
    name: "mailsla_segment_in_fault",
    help: `1 while a service of the segment is down outside an announced maintenance window: the time ${describeIndicator("faultMinutes")} counts`,
    labelNames: ["segment"],
    samples: (s) => {
      const inFault = segmentsInFault(s.live, s.now);
      return s.live.segments.map((g) => ({
        labels: { segment: g.name },
        value: inFault.has(g.name) ? 1 : 0,
      }));
    },
  },
  {
    name: "mailsla_fault_users_ratio",
    help: `Users of segments in fault now / total users: the rate the ${INDICATORS.faultMinutes.clause} budget burns at (1 = every user in fault); ${describeIndicator("faultMinutes")}`,
    labelNames: [],
    samples: (s) => [{ labels: {}, value: faultUsersRatio(s.live, s.now) }],
  },
  {
    name: "mailsla_incidents_active",
    help: `Incidents still going on, per segment: ${describeIndicator("faultMinutes")}`,
    labelNames: ["segment"],
    samples: (s) =>
      countBySegment(
        s.live.segments.map((g) => g.name),
        s.month.incidents.filter((i) => i.end === null).map((i) => i.segment),
      ),
  },
  {
    name: "mailsla_maintenance_active",
    help: `1 while an announced maintenance window covers the service in the segment (${describeIndicator("maintenanceMinutes")}); down alerts of the service are silenced meanwhile`,
    labelNames: ["service", "segment"],
    samples: (s) => {
      const { any } = coveredPairs(s.live, s.now);
      return s.live.services.map((p) => ({
        labels: { service: p.service, segment: p.segment },
        value: any.has(pairKey(p.service, p.segment)) ? 1 : 0,
      }));
    },
  },
  {
    name: "mailsla_maintenance_windows",
    help: "Declared maintenance windows not ended yet: running now (state=active) or announced for later (state=upcoming)",
    labelNames: ["state"],
    samples: (s) => {
      const active = activeWindows(s.live, s.now).length;
      return [
        { labels: { state: "active" }, value: active },
        { labels: { state: "upcoming" }, value: s.live.maintenance.filter((w) => w.start > s.now).length },
      ];
    },
  },
  {
    name: "mailsla_maintenance_late_notice_windows",
    help: `Maintenance windows not ended yet that were announced less than ${RULES.maintenanceNotice.target} hours before their start: SPEC ${RULES.maintenanceNotice.clause} ${RULES.maintenanceNotice.title} (>= ${RULES.maintenanceNotice.target} hours)`,
    labelNames: ["clause"],
    samples: (s) => [
      {
        labels: { clause: RULES.maintenanceNotice.clause },
        value: s.live.maintenance.filter((w) => w.late).length,
      },
    ],
  },
  {
    name: "mailsla_agent_last_push_timestamp_seconds",
    help: "When the agent of each configured vantage point last pushed results to the collector, Unix seconds; 0 if it never did",
    labelNames: ["vantage"],
    samples: (s) =>
      s.live.agents.map((a) => ({ labels: { vantage: a.vantage }, value: (a.lastPushAt ?? 0) / 1000 })),
  },
];
