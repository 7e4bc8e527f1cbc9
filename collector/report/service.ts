import type { Report } from "../../config/report.js";
import type { Config } from "../../config/schema.js";
import { ReportArchive } from "./archive.js";
import { sendMessage, smtpSettings } from "./mail.js";
import { produceReport, type LoadMonth } from "./produce.js";
import { ReportSchedule } from "./schedule.js";

/**
 * The monthly report wired from the configuration: archive, SMTP settings, the shared pipeline and
 * the schedule. The collector calls this once at start (when `report` is configured) and stops
 * the result at shutdown; the SMTP account is resolved here, so a dangling name fails at start,
 * not on the day the report is due.
 */

/** A running report schedule and the archive it writes. */
export interface ReportService {
  readonly schedule: ReportSchedule;
  readonly archive: ReportArchive;
  /** Stops the schedule and closes the archive. */
  stop(): void;
}

/** Builds the schedule for `report` (not started: call `schedule.start()`). */
export function createReportService(
  config: Pick<Config, "accounts" | "operator">,
  report: Report,
  loadMonth: LoadMonth,
  opts: { clock?: () => number; log?: (line: string) => void } = {},
): ReportService {
  const smtp = smtpSettings(config, report);
  const clock = opts.clock ?? Date.now;
  const archive = new ReportArchive(report.archiveDir);
  const schedule = new ReportSchedule({
    settings: { ...report, timeZone: config.operator.timeZone },
    archive,
    clock,
    build: (month) => produceReport(loadMonth, month, clock()),
    send: (message) => sendMessage(smtp, message),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return {
    schedule,
    archive,
    stop: () => {
      schedule.stop();
      archive.close();
    },
  };
}
