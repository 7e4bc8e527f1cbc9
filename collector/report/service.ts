import path from "node:path";
import Database from "better-sqlite3";
import { DateTime } from "luxon";
import type { Report } from "../../config/report.js";
import type { Config } from "../../config/schema.js";
import { monthOf, monthRange } from "../sla/calendar.js";
import { ReportArchive, type SendRecord } from "./archive.js";
import { showTime } from "./format.js";
import { reportMessage, sendMessage, smtpSettings, certainlyNotSent, type SendReceipt } from "./mail.js";
import { produceReport, type LoadMonth } from "./produce.js";
import { renderReportBounded } from "./render-bounded.js";
import { dueAt, ReportSchedule, STALE_SENDING_MS, type SendClaims } from "./schedule.js";

/**
 * The monthly report wired from the configuration: archive, SMTP settings, the shared pipeline and
 * the schedule. The collector creates it at start (when `report` is configured) and stops it at
 * shutdown; `mailsla report --send` uses it to send one month now through the same never-twice
 * ledger. The SMTP account is resolved here, so a dangling name fails at start, not on the day
 * the report is due.
 */

/** The next report the schedule will send, for the collector's start-up log. */
export interface NextSend {
  readonly month: string;
  /** When, Unix ms; `now` when it is overdue (sent at the next tick). */
  readonly at: number;
  /** `at` as "YYYY-MM-DD HH:MM" in the operator's zone. */
  readonly local: string;
}

/** A running report schedule and the archive it writes. */
export interface ReportService {
  readonly schedule: ReportSchedule;
  readonly archive: ReportArchive;
  /** Ticks now and then every `everyMs`; a tick under way is awaited by stop(). */
  start(everyMs?: number): void;
  /** The next send as things stand at `now`: the previous month unless it is done, else this one. */
  next(now?: number): NextSend;
  /**
   * Builds (unless archived), archives and sends the report of a month that has ended, now.
   * Refuses a month sent before, or whose last send may have arrived, unless `force`.
   */
  sendNow(month: string, opts?: { force?: boolean }): Promise<SendReceipt>;
  /** Stops ticking, waits for a tick under way, closes the archive. */
  stop(): Promise<void>;
}

/** Builds the service for `report` (not started: call `start()`). */
export function createReportService(
  config: Pick<Config, "accounts" | "operator">,
  report: Report,
  loadMonth: LoadMonth,
  opts: { clock?: () => number; log?: (line: string) => void; claims?: SendClaims } = {},
): ReportService {
  const smtp = smtpSettings(config, report);
  const clock = opts.clock ?? Date.now;
  const settings = { ...report, timeZone: config.operator.timeZone };
  const archive = new ReportArchive(report.archiveDir);
  const envelope = { from: report.from, to: report.recipients };
  const schedule = new ReportSchedule({
    settings,
    archive,
    clock,
    // Inside the collector: rendered in a worker thread, bounded in time and heap (render-bounded.ts).
    build: (month) => produceReport(loadMonth, month, clock(), renderReportBounded),
    send: (message) => sendMessage(smtp, message),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.claims ? { claims: opts.claims } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    schedule,
    archive,
    start(everyMs = 60_000) {
      const loop = () => {
        const failed = (err: unknown) => opts.log?.(`report schedule: tick failed: ${String(err)}`);
        running = schedule
          .tick()
          .catch(failed)
          .finally(() => {
            if (timer !== undefined) timer = setTimeout(loop, everyMs).unref();
          });
      };
      timer = setTimeout(loop, 0).unref();
    },
    next: (now = clock()) => nextSend(archive, settings, now),
    async sendNow(month, o = {}) {
      const now = clock();
      const end = monthRange(month, settings.timeZone).end;
      if (end > now) throw new Error(`report ${month}: the month has not ended; only ended months are sent`);
      if (!archive.get(month)) {
        archive.saveBuilt(await produceReport(loadMonth, month, now, renderReportBounded), now);
      }
      const refused = refusal(archive.get(month)!, now, settings.timeZone);
      if (refused && (!o.force || refused.always)) throw new Error(refused.why);
      if (refused) reopen(archive, month);
      const message = reportMessage(archive.load(month), envelope);
      return sendOnce(archive, month, clock, () => sendMessage(smtp, message));
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running.catch(() => undefined);
      archive.close();
    },
  };
}

/** See {@link ReportService.next}. */
function nextSend(
  archive: ReportArchive,
  s: { day: number; time: string; timeZone: string },
  now: number,
): NextSend {
  const previous = DateTime.fromMillis(now, { zone: s.timeZone })
    .startOf("month")
    .minus({ months: 1 })
    .toFormat("yyyy-MM");
  const state = archive.get(previous)?.state;
  const pending = state === undefined || state === "built";
  const month = pending ? previous : monthOf(now, s.timeZone);
  const at = Math.max(now, dueAt(month, s));
  return { month, at, local: showTime(at, s.timeZone) };
}

/** Why a send now must not happen; `always` when even --force must not override it. */
function refusal(
  rec: SendRecord,
  now: number,
  timeZone: string,
): { why: string; always: boolean } | undefined {
  const m = `report ${rec.month}`;
  switch (rec.state) {
    case "built":
      return undefined;
    case "sent":
      return {
        why: `${m} was sent on ${showTime(rec.sentAt ?? 0, timeZone)} (${rec.messageId}); --force sends it again`,
        always: false,
      };
    case "uncertain":
      return {
        why: `${m}: the last send may have arrived (${rec.lastError}); check the recipients' mailboxes, then --force sends it again`,
        always: false,
      };
    case "sending":
      if (now - (rec.lastAttemptAt ?? 0) < STALE_SENDING_MS)
        return { why: `${m} is being sent right now by another process`, always: true };
      return { why: `${m}: a send was cut off; --force sends it again`, always: false };
  }
}

/**
 * Puts a month back to "built", as docs/report.md tells an operator to do by hand with sqlite3:
 * the archive keeps no such transition, because only an explicit `--force` may take it.
 */
function reopen(archive: ReportArchive, month: string): void {
  const db = new Database(path.join(archive.dir, "reports.sqlite"));
  try {
    db.pragma("busy_timeout = 5000");
    db.prepare("UPDATE report_sends SET state = 'built', last_attempt_at = NULL WHERE month = ?").run(month);
  } finally {
    db.close();
  }
}

/** One send of a built month through the archive's states, as the schedule does it. */
async function sendOnce(
  archive: ReportArchive,
  month: string,
  clock: () => number,
  send: () => Promise<SendReceipt>,
): Promise<SendReceipt> {
  if (!archive.beginSend(month, clock())) throw new Error(`report ${month} is being sent by another process`);
  try {
    const receipt = await send();
    archive.markSent(month, clock(), receipt.messageId);
    return receipt;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (certainlyNotSent(err)) archive.markRetry(month, message);
    else archive.markUncertain(month, message);
    throw err;
  }
}
