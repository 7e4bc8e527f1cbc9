import type { SlaSnapshot } from "../../collector/metrics/live-state.js";
import type { PeriodResult } from "../../collector/sla/engine.js";
import { figure } from "../../collector/sla/figures.js";
import type { YearResult } from "../../collector/sla/year.js";

/**
 * A hand-built snapshot with known numbers, so metric values can be checked against arithmetic
 * done by hand rather than against the engine itself: November 2026 (Shanghai), half gone.
 */

const MIN = 60_000;
/** 2026-11-01 00:00 Asia/Shanghai. */
export const NOV = Date.UTC(2026, 9, 31, 16);
/** 2026-12-01 00:00 Asia/Shanghai. */
export const DEC = Date.UTC(2026, 10, 30, 16);
/** 2026-11-16 00:00: half of November. */
export const NOW = NOV + 15 * 24 * 60 * MIN;
const YEAR_START = Date.UTC(2025, 11, 31, 16);
const YEAR_END = Date.UTC(2026, 11, 31, 16);

const at = { partial: true };

/** 120 weighted fault minutes, 450 maintenance minutes, 432 minutes of system fault, one open incident. */
export function monthResult(): PeriodResult {
  const elapsed = NOW - NOV;
  const availability = 1 - (432 * MIN) / elapsed;
  return {
    period: { start: NOV, end: DEC, effectiveEnd: NOW, partial: true, timeZone: "Asia/Shanghai" },
    figures: {
      faultMinutes: figure("faultMinutes", 120, { ...at, errorBound: 2 }),
      maintenanceMinutes: figure("maintenanceMinutes", 450, { ...at, errorBound: 1 }),
      availability: figure("availability", availability, { ...at, errorBound: 0.0001 }),
      availabilityUserWeighted: figure("availability", 1 - (120 * MIN) / elapsed, at),
      faultFreeRate: figure("faultFreeRate", 0.999, at),
      sendDelayAverage: figure("sendDelayAverage", 42, { ...at, errorBound: 0.5 }),
      sendDelayMaximum: figure("sendDelayMaximum", 700, at),
      receiveDelayAverage: figure("receiveDelayAverage", null, at),
      receiveDelayMaximum: figure("receiveDelayMaximum", null, at),
      lossRate: figure("lossRate", 0.01, at),
      smtpAuthRequired: figure("smtpAuthRequired", true, at),
      openRelayClosed: figure("openRelayClosed", false, at),
    },
    coverage: { ratio: 0.98, unknownMinutes: 432, services: [{ service: "mx", ratio: 0.97 }] },
    segments: [
      {
        segment: "north",
        users: 600_000,
        faultMinutes: 200,
        maintenanceMinutes: 750,
        forceMajeureMinutes: 0,
        unknownMinutes: 0,
      },
      {
        segment: "south",
        users: 400_000,
        faultMinutes: 0,
        maintenanceMinutes: 0,
        forceMajeureMinutes: 0,
        unknownMinutes: 0,
      },
    ],
    incidents: [incident("north", NOW - 30 * MIN, null), incident("north", NOV + 60 * MIN, NOV + 230 * MIN)],
    orphans: [],
    maintenance: [
      {
        id: "w1",
        start: NOV + 2 * 24 * 60 * MIN,
        end: NOV + 2 * 24 * 60 * MIN + 750 * MIN,
        effectiveEnd: NOV + 2 * 24 * 60 * MIN + 750 * MIN,
        cancelled: false,
        announcedAt: NOV,
        noticeHours: 48,
        violation: null,
        countedAs: "maintenance",
        downWeightedMinutes: 450,
      },
    ],
    forceMajeure: { weightedMinutes: 3, marks: [] },
    delivery: {
      send: {
        samples: 10,
        inFlight: 1,
        average: 42,
        averageBound: 0.5,
        maximum: 700,
        maximumBound: 0,
        delivered: 10,
        lost: 0,
        rate: 0,
      },
      receive: {
        samples: 0,
        inFlight: 0,
        average: null,
        averageBound: null,
        maximum: null,
        maximumBound: null,
        delivered: 99,
        lost: 1,
        rate: 0.01,
      },
    },
    security: {
      smtpAuthRequired: { value: true, failingAtEnd: [], failedDuring: [] },
      openRelayClosed: { value: false, failingAtEnd: ["mx"], failedDuring: ["mx"] },
    },
    faultDays: ["2026-11-01", "2026-11-15"],
    unknownDays: [],
    system: { faultMinutes: 30, maintenanceMinutes: 20, unknownMinutes: 0 },
    lateNoticeCountsAs: "fault",
    warnings: [],
  };
}

function incident(segment: string, start: number, end: number | null) {
  return {
    id: `${segment}@${new Date(start).toISOString()}`,
    segment,
    start,
    end,
    users: 600_000,
    affectedUsers: 600_000,
    weight: 0.6,
    overridden: false,
    faultMinutes: 30,
    forceMajeureMinutes: 0,
    weightedMinutes: 18,
    forceMajeure: [],
    services: [],
    annotations: [],
  };
}

/** 2026: 13 fault days so far, budget 65. */
export function yearResult(): YearResult {
  const faultDays = Array.from({ length: 13 }, (_, i) => `2026-0${1 + (i % 9)}-1${i % 10}`);
  return {
    period: { start: YEAR_START, end: YEAR_END, effectiveEnd: NOW, partial: true, timeZone: "Asia/Shanghai" },
    faultFreeDays: figure("faultFreeDays", 365 - 13, at),
    daysInYear: 365,
    elapsedDays: 320,
    faultDays,
    budget: 65,
    budgetRemaining: 52,
    unknownDays: 0,
    remainingDays: 45,
    canStillHold: true,
    warnings: [],
  };
}

/** North has mx down (in fault), south has webmail down inside an announced window, agent b never pushed. */
export function snapshot(): SlaSnapshot {
  return {
    now: NOW,
    month: monthResult(),
    year: yearResult(),
    live: {
      totalUsers: 1_000_000,
      segments: [
        { name: "north", users: 600_000 },
        { name: "south", users: 300_000 },
      ],
      services: [
        { service: "mx", segment: "north", state: "down" },
        { service: "webmail", segment: "north", state: "up" },
        { service: "mx", segment: "south", state: "unknown" },
        { service: "webmail", segment: "south", state: "down" },
      ],
      maintenance: [
        {
          id: "w2",
          start: NOW - 10 * MIN,
          end: NOW + 50 * MIN,
          late: false,
          countsAs: "maintenance",
          covers: [{ service: "webmail", segment: "south" }],
        },
        { id: "w3", start: NOW + 60 * MIN, end: NOW + 120 * MIN, late: true, countsAs: "fault", covers: [] },
      ],
      agents: [
        { vantage: "a", lastPushAt: NOW - 30_000 },
        { vantage: "b", lastPushAt: null },
      ],
    },
  };
}
