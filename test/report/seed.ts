import type { DelaySample } from "../../collector/sla/delivery.js";
import type { ForceMajeureMark } from "../../collector/sla/force-majeure.js";
import type { MaintenanceWindow } from "../../collector/sla/maintenance.js";
import type { SecurityVerdict } from "../../collector/sla/security.js";
import type { EngineInput, EngineSetup } from "../../collector/sla/timeline.js";
import type { ManualIndicators } from "../../collector/report/manual.js";
import type { MonthSource } from "../../collector/report/gather.js";
import {
  allSeries,
  DAY,
  DEC,
  dropResults,
  during,
  HOUR,
  MIN,
  NOV,
  twoSegmentSetup,
} from "../sla/fixtures.js";

/**
 * A seeded operator year for the report tests: 2026 in Shanghai, results every 5 minutes from three
 * vantage points, one fault a month before November, and in November everything the report must
 * show: a two-segment outage, a maintenance window on notice, a late one (6.1.6), a force majeure
 * incident (1.5), an agent gap (coverage), delays in every bucket, a lost message and a security
 * hole fixed during the month.
 */

const STEP = 5 * MIN;
/** 2026-01-01 00:00 Shanghai. */
const JAN = Date.UTC(2025, 11, 31, 16);

/** November 2026, day `d` at `h`:`m` Shanghai time. */
export const nov = (d: number, h = 0, m = 0) => NOV + (d - 1) * DAY + h * HOUR + m * MIN;

/** Two segments, two services (imap serves only "south"), checks every 5 minutes. */
export function seedSetup(): EngineSetup {
  return twoSegmentSetup(STEP);
}

/** Fault spans per service. Earlier months: mx down once a month for (month number x 10) minutes. */
function faults(): Record<string, [number, number][]> {
  const monthly: [number, number][] = [];
  for (let m = 0; m < 10; m++) {
    const start = Date.UTC(2026, m, 12, 2); // 10:00 Shanghai on the 12th
    monthly.push([start, start + (m + 1) * 10 * MIN]);
  }
  return {
    mx: [...monthly, [nov(10, 16), nov(10, 16, 50)], [nov(15, 2, 10), nov(15, 2, 40)]],
    imap: [
      [nov(20, 10), nov(20, 10, 20)],
      [nov(25, 4), nov(25, 5, 30)],
    ],
  };
}

const MAINTENANCE: MaintenanceWindow[] = [
  { id: "core-upgrade", start: nov(15, 2), end: nov(15, 3), announcedAt: nov(13, 2), services: ["mx"] },
  { id: "imap-patch", start: nov(20, 10), end: nov(20, 11), announcedAt: nov(20, 8), services: ["imap"] },
];

const FORCE_MAJEURE: ForceMajeureMark[] = [
  {
    id: "typhoon",
    reason: "Typhoon cut both fibre routes to the south data centre",
    incidentId: "south@2026-11-24T20:00:00.000Z",
  },
];

/** Delays across every bucket of the distribution, each direction, plus one over 3 h. */
function delays(): DelaySample[] {
  const out: DelaySample[] = [];
  const seconds = [20, 45, 90, 240, 400, 700, 1500, 2500, 5000];
  for (let d = 1; d <= 30; d++) {
    for (const [i, s] of seconds.entries()) {
      out.push({ direction: "send", at: nov(d, i + 1), seconds: s * (1 + d / 100) });
      out.push({ direction: "receive", at: nov(d, i + 1, 30), seconds: s / 2, boundSeconds: 1 });
    }
  }
  out.push({ direction: "send", at: nov(28, 12), seconds: 11_500 });
  return out;
}

const SECURITY: SecurityVerdict[] = [
  { check: "smtpAuthRequired", service: "mx", at: nov(1, 1), ok: true },
  { check: "openRelayClosed", service: "mx", at: nov(5, 1), ok: false },
  { check: "openRelayClosed", service: "mx", at: nov(6, 1), ok: true },
];

/** The engine input of the seeded year; `now` is 2026-12-02 00:00 Shanghai, November is complete. */
export function seedInput(): EngineInput {
  const s = seedSetup();
  const f = faults();
  const series = allSeries(s, JAN - HOUR, DEC + HOUR, (svc, v) =>
    v === "c" ? () => false : during(...(f[svc.name] ?? [])),
  ).map((x) =>
    x.vantage === "a" || x.vantage === "b" ? dropResults(x, during([nov(3, 9), nov(3, 10)])) : x,
  );
  return {
    setup: s,
    now: DEC + DAY,
    series,
    maintenance: MAINTENANCE,
    forceMajeure: FORCE_MAJEURE,
    overrides: [{ incidentId: "north@2026-11-10T08:00:00.000Z", affectedUsers: 450_000 }],
    delays: delays(),
    inFlight: [{ direction: "receive", sentAt: nov(30, 23) }],
    lost: [{ direction: "receive", sentAt: nov(12, 3) }],
    security: SECURITY,
  };
}

/** What the operator entered for November: some clauses, not all. */
export function seedManual(): ManualIndicators {
  return {
    month: "2026-11",
    entries: [
      { clause: "7.1.1", value: true },
      { clause: "7.1.6", value: 2e-5, note: "12 billing complaints of 600,000 billed customers" },
      { clause: "7.1.7.2", value: 90 },
      { clause: "7.2.2", value: 2.5 },
      { clause: "7.2.4", value: 0.76 },
      { clause: "7.2.6", value: 0.91 },
    ],
  };
}

/** The month source the CLI and the schedule would get from the store. */
export function seedSource(): MonthSource {
  return { input: seedInput(), manual: seedManual(), operator: { name: "Example Mail Co." } };
}
