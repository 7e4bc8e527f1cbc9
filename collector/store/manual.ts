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

interface Row {
  month: string;
  clause: string;
  value: string;
  note: string | null;
  entered_at: number;
}

/** The manual-indicator table. */
export class ManualTable {
  constructor(private readonly db: Database.Database) {}

  /** Stores the entries of one month in one transaction (all or none). */
  upsert(month: string, entries: readonly ManualEntry[], at: number): StoredManualEntry[] {
    const put = this.db.prepare(
      `INSERT INTO manual_indicators (month, clause, value, note, entered_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (month, clause) DO UPDATE SET value = excluded.value, note = excluded.note,
      entered_at = excluded.entered_at`,
    );
    this.db.transaction(() => {
      for (const e of entries) put.run(month, e.clause, JSON.stringify(e.value), e.note ?? null, at);
    })();
    return this.list(month);
  }

  /** The entries of one month, by clause. */
  list(month: string): StoredManualEntry[] {
    const rows = this.db
      .prepare("SELECT * FROM manual_indicators WHERE month = ? ORDER BY clause")
      .all(month) as Row[];
    return rows.map((r) => {
      const e: StoredManualEntry = {
        month: r.month,
        clause: r.clause,
        value: JSON.parse(r.value) as number | boolean,
        enteredAt: r.entered_at,
      };
      if (r.note !== null) e.note = r.note;
      return e;
    });
  }

  /** Removes one entry; false if there was none. */
  remove(month: string, clause: string): boolean {
    return (
      this.db.prepare("DELETE FROM manual_indicators WHERE month = ? AND clause = ?").run(month, clause)
        .changes > 0
    );
  }
}
