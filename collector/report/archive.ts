import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { ChartImage } from "./charts.js";
import type { ReportModel } from "./model.js";
import type { RenderedReport } from "./render.js";

/**
 * The archive of monthly reports and the ledger that keeps each month's report from being sent
 * twice, across restarts too. Files go to `archiveDir/YYYY-MM/`; one SQLite table (WAL,
 * synchronous=FULL: a returned transaction survives a crash) records each month's state:
 *
 *   built -> sending -> sent
 *              |-> built      (refused before the message was transferred: safe to retry)
 *              '-> uncertain  (lost mid-transfer, or found "sending" after a crash: never resent
 *                              automatically; an operator decides)
 *
 * The e-mail is made from the archived files, so what was sent is exactly what is archived.
 */

/** A month's state in the ledger. */
export type SendState = "built" | "sending" | "sent" | "uncertain";

/** One month's record. */
export interface SendRecord {
  readonly month: string;
  readonly state: SendState;
  readonly builtAt: number;
  readonly attempts: number;
  readonly lastAttemptAt: number | null;
  readonly sentAt: number | null;
  readonly messageId: string | null;
  readonly lastError: string | null;
}

interface Row {
  month: string;
  state: SendState;
  built_at: number;
  attempts: number;
  last_attempt_at: number | null;
  sent_at: number | null;
  message_id: string | null;
  last_error: string | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS report_sends (
  month TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('built', 'sending', 'sent', 'uncertain')),
  built_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER,
  sent_at INTEGER,
  message_id TEXT,
  last_error TEXT
) WITHOUT ROWID`;

const CHART_META = "charts.json";

/** Writes a file atomically: a crash leaves the old file or the new one, never half of one. */
function writeAtomic(file: string, data: string | Buffer): void {
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}

/** The report archive in one directory. */
export class ReportArchive {
  readonly #db: Database.Database;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.#db = new Database(path.join(dir, "reports.sqlite"));
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.exec(SCHEMA);
  }

  /** The folder of one month's files. */
  monthDir(month: string): string {
    return path.join(this.dir, month);
  }

  /** The month's record, if the month was ever built. */
  get(month: string): SendRecord | undefined {
    const r = this.#db.prepare("SELECT * FROM report_sends WHERE month = ?").get(month) as Row | undefined;
    return (
      r && {
        month: r.month,
        state: r.state,
        builtAt: r.built_at,
        attempts: r.attempts,
        lastAttemptAt: r.last_attempt_at,
        sentAt: r.sent_at,
        messageId: r.message_id,
        lastError: r.last_error,
      }
    );
  }

  /** Archives a rendered report and records it as built (files first, so a "built" record has its files). */
  saveBuilt(report: RenderedReport, at: number): void {
    const month = report.model.month;
    if (this.get(month)) throw new Error(`report ${month} is already archived`);
    const dir = this.monthDir(month);
    mkdirSync(dir, { recursive: true });
    writeAtomic(path.join(dir, "report.json"), report.json);
    writeAtomic(path.join(dir, "report.csv"), report.csv);
    writeAtomic(path.join(dir, "report.html"), report.html);
    writeAtomic(path.join(dir, "report.txt"), report.text);
    writeAtomic(path.join(dir, "report.pdf"), report.pdf);
    for (const c of report.charts) writeAtomic(path.join(dir, `${c.id}.png`), c.png);
    const meta = report.charts.map(({ png: _png, ...rest }) => rest);
    writeAtomic(path.join(dir, CHART_META), JSON.stringify(meta));
    this.#db
      .prepare("INSERT INTO report_sends (month, state, built_at) VALUES (?, 'built', ?)")
      .run(month, at);
  }

  /** The archived report of a month, as it will be (or was) sent. */
  load(month: string): RenderedReport {
    const dir = this.monthDir(month);
    const read = (name: string) => readFileSync(path.join(dir, name));
    const json = read("report.json").toString("utf8");
    const meta = JSON.parse(read(CHART_META).toString("utf8")) as Omit<ChartImage, "png">[];
    return {
      model: JSON.parse(json) as ReportModel,
      json,
      csv: read("report.csv").toString("utf8"),
      html: read("report.html").toString("utf8"),
      text: read("report.txt").toString("utf8"),
      pdf: read("report.pdf"),
      charts: meta.map((m) => ({ ...m, png: read(`${m.id}.png`) })),
    };
  }

  /**
   * Moves a built month to "sending", atomically; false when it is not in "built" (sent, being
   * sent, or uncertain). Only the caller that got `true` may hand the message to the server.
   */
  beginSend(month: string, at: number): boolean {
    const r = this.#db
      .prepare(
        "UPDATE report_sends SET state = 'sending', attempts = attempts + 1, last_attempt_at = ? WHERE month = ? AND state = 'built'",
      )
      .run(at, month);
    return r.changes === 1;
  }

  /** The server accepted the message (also after another process judged the send uncertain). */
  markSent(month: string, at: number, messageId: string): void {
    this.#transition(month, "sent", { sent_at: at, message_id: messageId, last_error: null }, [
      "sending",
      "uncertain",
    ]);
  }

  /** The send failed before the message could have been accepted: back to "built", to be retried. */
  markRetry(month: string, error: string): void {
    this.#transition(month, "built", { last_error: error });
  }

  /** The send may or may not have delivered: never retried automatically. */
  markUncertain(month: string, error: string): void {
    this.#transition(month, "uncertain", { last_error: error });
  }

  #transition(
    month: string,
    to: SendState,
    set: Record<string, string | number | null>,
    from: SendState[] = ["sending"],
  ): void {
    const cols = Object.keys(set).map((k) => `${k} = @${k}`);
    const states = from.map((s) => `'${s}'`).join(", ");
    const r = this.#db
      .prepare(
        `UPDATE report_sends SET state = @to, ${cols.join(", ")} WHERE month = @month AND state IN (${states})`,
      )
      .run({ ...set, to, month });
    if (r.changes !== 1)
      throw new Error(`report ${month}: cannot go to "${to}" from "${this.get(month)?.state}"`);
  }

  /** Closes the database (a restart in tests, shutdown in production). */
  close(): void {
    this.#db.close();
  }
}
