import type Database from "better-sqlite3";
import type { AgentState, OutboxRecord } from "../state/agent-state.js";

/**
 * Records the collector refused as malformed (400) or not this agent's (403): moved out of the
 * outbox so they cannot block the records behind them forever, and kept in the agent's state with
 * the collector's reason, so they are never silently dropped and can be inspected or re-queued.
 */

/** Why the collector refused a record. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** One quarantined record. */
export interface DeadLetter extends OutboxRecord, Refusal {
  quarantinedAt: number;
}

/** The dead_letter table of an agent's state. */
export class DeadLetters {
  private readonly db: Database.Database;

  constructor(private readonly state: AgentState) {
    this.db = state.db;
    this.db.exec(`CREATE TABLE IF NOT EXISTS dead_letter (
      seq INTEGER PRIMARY KEY,
      type TEXT NOT NULL,
      payload TEXT NOT NULL,
      status INTEGER NOT NULL,
      code TEXT NOT NULL,
      message TEXT NOT NULL,
      quarantined_at INTEGER NOT NULL
    )`);
  }

  /** Moves records from the outbox to dead_letter in one transaction. */
  quarantine(records: readonly OutboxRecord[], why: Refusal, at: number): void {
    const put = this.db.prepare(`INSERT OR REPLACE INTO dead_letter
      (seq, type, payload, status, code, message, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const r of records) {
        put.run(r.seq, r.type, JSON.stringify(r.payload), why.status, why.code, why.message, at);
      }
      this.state.outbox.ack(records.map((r) => r.seq));
    })();
  }

  /** Every quarantined record, oldest first. */
  list(): DeadLetter[] {
    const rows = this.db.prepare("SELECT * FROM dead_letter ORDER BY seq").all() as {
      seq: number;
      type: string;
      payload: string;
      status: number;
      code: string;
      message: string;
      quarantined_at: number;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      type: r.type,
      payload: JSON.parse(r.payload) as unknown,
      status: r.status,
      code: r.code,
      message: r.message,
      quarantinedAt: r.quarantined_at,
    }));
  }

  /** How many records are quarantined (an agent metric: anything above 0 needs a human). */
  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM dead_letter").get() as { n: number }).n;
  }
}
