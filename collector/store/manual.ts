import type Database from "better-sqlite3";

/**
 * Indicators the operator enters per calendar month (7.1.1, 7.1.6, 7.1.7.2, 7.1.11, 7.1.15 and
 * the customer-service indicators 7.2.x): facts no probe can see, kept beside the measured ones so
 * the monthly report holds both. One value per (month, clause); entering it again replaces it.
 */

/** One entered value. */
export interface ManualEntry {
  clause: string;
  value: number | boolean;
  note?: string;
}

/** An entry as stored, with the month and when it was entered. */
export type StoredManualEntry = ManualEntry & { month: string; enteredAt: number };

/** The manual_indicators columns. */
export interface ManualRow {
  month: string;
  clause: string;
  value: string;
  note: string | null;
  entered_at: number;
}

/** An entry from its row (both stores use the same columns; the value is JSON text). */
export function manualFromRow(r: ManualRow): StoredManualEntry {
  const e: StoredManualEntry = {
    month: r.month,
    clause: r.clause,
    value: JSON.parse(r.value) as number | boolean,
    enteredAt: r.entered_at,
  };
  if (r.note !== null) e.note = r.note;
  return e;
}

/** The manual-indicator table. */
export class ManualTable {
  constructor(private readonly db: Database.Database) {}

  /** Stores the entries of one month in one transaction (all or none). */
  async upsert(month: string, entries: readonly ManualEntry[], at: number): Promise<StoredManualEntry[]> {
    const put = this.db.prepare(
      `INSERT INTO manual_indicators (month, clause, value, note, entered_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (month, clause) DO UPDATE SET value = excluded.value, note = excluded.note,
      entered_at = excluded.entered_at`,
    );
    this.db.transaction(() => {
      for (const e of entries) put.run(month, e.clause, JSON.stringify(e.value), e.note ?? null, at);
    })();
    return await this.list(month);
  }

  /** The entries of one month, by clause. */
  async list(month: string): Promise<StoredManualEntry[]> {
    const rows = this.db
      .prepare("SELECT * FROM manual_indicators WHERE month = ? ORDER BY clause")
      .all(month) as ManualRow[];
    return rows.map(manualFromRow);
  }

  /** Removes one entry; false if there was none. */
  async remove(month: string, clause: string): Promise<boolean> {
    return (
      this.db.prepare("DELETE FROM manual_indicators WHERE month = ? AND clause = ?").run(month, clause)
        .changes > 0
    );
  }
}
