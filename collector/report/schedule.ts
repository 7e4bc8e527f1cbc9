import { DateTime } from "luxon";
import type Mail from "nodemailer/lib/mailer";
import type { ReportArchive } from "./archive.js";
import { certainlyNotSent, reportMessage, type SendReceipt } from "./mail.js";
import type { RenderedReport } from "./render.js";

/**
 * The monthly send: on the configured day and time in the operator's zone, the previous month's
 * report is built, archived and e-mailed, once. The clock is injected and every step goes through
 * the archive's ledger, so a restart at any point neither loses the month nor sends it twice.
 * Only the previous month is sent: a collector that was down for a whole month does not flood
 * managers with old reports when it returns (they are one CLI command away).
 */

/** When and to whom. */
export interface ScheduleSettings {
  readonly day: number;
  /** "HH:MM" in `timeZone`. */
  readonly time: string;
  readonly timeZone: string;
  readonly recipients: readonly string[];
  readonly from: string;
}

/** What the schedule works with; all injected, so tests drive time and failures. */
export interface ScheduleDeps {
  readonly settings: ScheduleSettings;
  readonly archive: ReportArchive;
  readonly clock: () => number;
  /** Builds and renders the report of a month (data source, engine, renderers). */
  readonly build: (month: string) => Promise<RenderedReport>;
  /** Hands a message to the SMTP server. */
  readonly send: (message: Mail.Options) => Promise<SendReceipt>;
  readonly log?: (line: string) => void;
  /**
   * Claims on each month's send in the shared ledger, when several collectors run on one
   * PostgreSQL: only the claim's holder builds and sends, so the report goes out once.
   */
  readonly claims?: SendClaims;
}

/** The claims of a month's send (collector/store/types.ts `claimJob`, job "report:YYYY-MM"). */
export interface SendClaims {
  /** Takes or renews the claim; false when another collector holds it or finished it. */
  claim(month: string, now: number): Promise<boolean>;
  /** The irreversible step begins: no other collector may take the month over any more. */
  sending(month: string, now: number): Promise<void>;
  /** A refused send: the claim is held again (another collector may take it over if this one dies). */
  retry(month: string, now: number): Promise<void>;
  /** Sent (or uncertain): finished for every collector. */
  done(month: string, now: number): Promise<void>;
}

/** What one tick did. */
export interface TickResult {
  readonly month: string | null;
  readonly outcome:
    | "not-due"
    | "ready"
    | "sent"
    | "already-sent"
    | "retry"
    | "waiting"
    | "uncertain"
    | "busy"
    | "error"
    /** Another collector on the same ledger holds (or finished) this month's send. */
    | "elsewhere";
  readonly error?: string;
}

/** A send still "sending" after this long was cut off by a crash: no live send takes so long. */
export const STALE_SENDING_MS = 15 * 60_000;
/** Pause between attempts after a send was refused. */
export const RETRY_AFTER_MS = 15 * 60_000;

/** The instant the report of `month` ("YYYY-MM") is due: `day` (or the last day) of the next month at `time`. */
export function dueAt(month: string, s: Pick<ScheduleSettings, "day" | "time" | "timeZone">): number {
  const next = DateTime.fromFormat(month, "yyyy-MM", { zone: s.timeZone }).plus({ months: 1 });
  const [hour, minute] = s.time.split(":").map(Number);
  const day = Math.min(s.day, next.daysInMonth ?? 28);
  return next.set({ day, hour: hour ?? 0, minute: minute ?? 0 }).toMillis();
}

/** The month whose report is due at `now`: the previous month, once its send time has come. */
export function dueMonth(now: number, s: Pick<ScheduleSettings, "day" | "time" | "timeZone">): string | null {
  const previous = DateTime.fromMillis(now, { zone: s.timeZone }).startOf("month").minus({ months: 1 });
  const month = previous.toFormat("yyyy-MM");
  return now >= dueAt(month, s) ? month : null;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The schedule; `tick()` does one step, `start()` ticks every minute. */
export class ReportSchedule {
  #busy = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ScheduleDeps) {}

  /** One step: builds, archives and sends the due month if that has not happened yet. */
  async tick(): Promise<TickResult> {
    if (this.#busy) return { month: null, outcome: "busy" };
    this.#busy = true;
    try {
      const prepared = await this.#prepare();
      const result =
        prepared.outcome === "ready" ? await this.#send(prepared.month!, this.deps.clock()) : prepared;
      if (result.outcome !== "not-due" && result.outcome !== "already-sent") {
        this.deps.log?.(
          `report ${result.month}: ${result.outcome}${result.error ? ` (${result.error})` : ""}`,
        );
      }
      return result;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The first half of a tick: judges the ledger and builds and archives the due month if needed;
   * "ready" means the next step is to send. Public so a test can stop a process right here.
   */
  async prepare(): Promise<TickResult> {
    return this.#prepare();
  }

  async #prepare(): Promise<TickResult> {
    const { archive, clock, settings } = this.deps;
    const now = clock();
    const month = dueMonth(now, settings);
    if (month === null) return { month, outcome: "not-due" };
    const rec = archive.get(month);
    if (rec?.state === "sent") return { month, outcome: "already-sent" };
    if (rec?.state === "uncertain") return { month, outcome: "uncertain", error: rec.lastError ?? undefined };
    if (rec?.state === "sending") {
      if (now - (rec.lastAttemptAt ?? 0) < STALE_SENDING_MS) return { month, outcome: "busy" };
      archive.markUncertain(
        month,
        "a send was cut off (process stopped while sending); not resent automatically",
      );
      return { month, outcome: "uncertain" };
    }
    if (rec && rec.lastAttemptAt !== null && now - rec.lastAttemptAt < RETRY_AFTER_MS) {
      return { month, outcome: "waiting" };
    }
    if (this.deps.claims && !(await this.deps.claims.claim(month, now)))
      return { month, outcome: "elsewhere" };
    if (!rec) {
      try {
        archive.saveBuilt(await this.deps.build(month), now);
      } catch (err) {
        return { month, outcome: "error", error: `building the report failed: ${message(err)}` };
      }
    }
    return { month, outcome: "ready" };
  }

  async #send(month: string, now: number): Promise<TickResult> {
    const { archive, settings } = this.deps;
    let report: RenderedReport;
    try {
      report = archive.load(month);
    } catch (err) {
      return { month, outcome: "error", error: `the archived report cannot be read: ${message(err)}` };
    }
    const claims = this.deps.claims;
    if (!archive.beginSend(month, now)) return { month, outcome: "busy" };
    try {
      await claims?.sending(month, now);
    } catch (err) {
      archive.markRetry(month, message(err));
      return { month, outcome: "retry", error: `the send could not be claimed: ${message(err)}` };
    }
    try {
      const receipt = await this.deps.send(
        reportMessage(report, { from: settings.from, to: settings.recipients }),
      );
      archive.markSent(month, this.deps.clock(), receipt.messageId);
      await this.#finish(() => claims?.done(month, this.deps.clock()));
      return { month, outcome: "sent" };
    } catch (err) {
      if (certainlyNotSent(err)) {
        archive.markRetry(month, message(err));
        await this.#finish(() => claims?.retry(month, this.deps.clock()));
        return { month, outcome: "retry", error: message(err) };
      }
      archive.markUncertain(month, message(err));
      await this.#finish(() => claims?.done(month, this.deps.clock()));
      return { month, outcome: "uncertain", error: message(err) };
    }
  }

  /** Records a claim's outcome; a ledger that cannot take it leaves the claim at "sending" (safe). */
  async #finish(step: () => Promise<void> | undefined): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.deps.log?.(`report: the shared claim could not be updated: ${message(err)}`);
    }
  }

  /** Ticks now and then every `everyMs` until stop(); the timer does not keep the process alive. */
  start(everyMs = 60_000): void {
    const loop = () => {
      void this.tick().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(loop, everyMs).unref();
      });
    };
    this.#timer = setTimeout(loop, 0).unref();
  }

  /** Stops ticking (a tick under way finishes). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
