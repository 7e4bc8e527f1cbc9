import { z } from "zod";
import { RULES } from "../../contract/indicators.js";
import { normalize, type Interval } from "./intervals.js";

/**
 * Declared maintenance windows (7.1.3, 6.1.6). Down time inside a window announced at least 24 h
 * before it starts is a planned adjustment, counted against the 7.1.3 budget instead of the 7.1.2
 * fault budget. A window announced later broke 6.1.6: it is flagged, and its down time is fault
 * unless the operator configured otherwise.
 */

/** A maintenance window as the operator declares it (API, config or import). */
export const MaintenanceWindow = z
  .strictObject({
    id: z.string().min(1),
    start: z.number().int(),
    end: z.number().int(),
    /** When affected customers were told (6.1.6). */
    announcedAt: z.number().int(),
    /** Segments it affects; all when absent. */
    segments: z.array(z.string().min(1)).min(1).optional(),
    /** Services it affects; all when absent. */
    services: z.array(z.string().min(1)).min(1).optional(),
    /** A cancelled window ends at its cancellation (and is void if cancelled before it started). */
    cancelledAt: z.number().int().optional(),
  })
  .refine((w) => w.end > w.start, { error: "a maintenance window must end after it starts", path: ["end"] });
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

/** How down time inside a late-announced window is counted; the report states which was used. */
export const LateNoticeCountsAs = z.enum(["fault", "maintenance"]);
export type LateNoticeCountsAs = z.infer<typeof LateNoticeCountsAs>;

const NOTICE_MS = RULES.maintenanceNotice.target * 3_600_000;

/** A window with its notice judged: what the report lists and what the classification uses. */
export interface JudgedWindow {
  readonly window: MaintenanceWindow;
  /** `[start, min(end, cancelledAt))`; empty when cancelled before it started. */
  readonly effective: Interval;
  readonly noticeHours: number;
  /** Announced less than 24 h ahead: a 6.1.6 violation. */
  readonly late: boolean;
  readonly countedAs: LateNoticeCountsAs;
}

/** Judges each window's notice once, so classification and report agree. */
export function judgeWindows(
  windows: readonly MaintenanceWindow[],
  lateNoticeCountsAs: LateNoticeCountsAs,
): JudgedWindow[] {
  return windows.map((window) => {
    const notice = window.start - window.announcedAt;
    const late = notice < NOTICE_MS;
    const end = Math.min(window.end, window.cancelledAt ?? Infinity);
    return {
      window,
      effective: { start: window.start, end: Math.max(window.start, end) },
      noticeHours: notice / 3_600_000,
      late,
      countedAs: late ? lateNoticeCountsAs : "maintenance",
    };
  });
}

/** Whether a window's declared scope includes a (service, segment) pair. */
export function windowCovers(window: MaintenanceWindow, service: string, segment: string): boolean {
  return (
    (window.services === undefined || window.services.includes(service)) &&
    (window.segments === undefined || window.segments.includes(segment))
  );
}

/** The time in which down time of `service` in `segment` counts as maintenance, in normal form. */
export function maintenanceCover(
  judged: readonly JudgedWindow[],
  service: string,
  segment: string,
): Interval[] {
  return normalize(
    judged
      .filter((j) => j.countedAs === "maintenance" && windowCovers(j.window, service, segment))
      .map((j) => j.effective),
  );
}
