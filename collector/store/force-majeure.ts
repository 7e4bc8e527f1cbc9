import type Database from "better-sqlite3";
import type { ForceMajeureMark } from "../sla/force-majeure.js";

/**
 * Force majeure spans (1.5) the operator declared through the admin API: a time span, optionally for
 * some segments and services, always with a reason. Only fault time inside a span is excused, so a
 * flood that cut power for three hours of a six-hour outage excuses three hours. A span is deleted
 * outright when withdrawn: unlike a maintenance window it promised nothing to customers.
 */

/** One declared span, as stored and listed. */
export interface StoredForceMajeure {
  id: string;
  start: number;
  end: number;
  segments?: string[];
  services?: string[];
  reason: string;
  /** When the operator entered it. */
  declaredAt: number;
}

interface Row {
  id: string;
  start: number;
  end: number;
  segments: string | null;
  services: string | null;
  reason: string;
  declared_at: number;
}

function fromRow(r: Row): StoredForceMajeure {
  const s: StoredForceMajeure = {
    id: r.id,
    start: r.start,
    end: r.end,
    reason: r.reason,
    declaredAt: r.declared_at,
  };
  if (r.segments !== null) s.segments = JSON.parse(r.segments) as string[];
  if (r.services !== null) s.services = JSON.parse(r.services) as string[];
  return s;
}

/** The force majeure table. */
export class ForceMajeureTable {
  constructor(private readonly db: Database.Database) {}

  /** Whether the ledger has the table: a ledger opened read-only from before it was added has not. */
  private present(): boolean {
    return (
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'force_majeure'").get() !==
      undefined
    );
  }

  /** Stores a new span. */
  declare(s: StoredForceMajeure): StoredForceMajeure {
    this.db
      .prepare(
        `INSERT INTO force_majeure (id, start, end, segments, services, reason, declared_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.start,
        s.end,
        s.segments ? JSON.stringify(s.segments) : null,
        s.services ? JSON.stringify(s.services) : null,
        s.reason,
        s.declaredAt,
      );
    return this.get(s.id)!;
  }

  /** One span, or undefined. */
  get(id: string): StoredForceMajeure | undefined {
    if (!this.present()) return undefined;
    const row = this.db.prepare("SELECT * FROM force_majeure WHERE id = ?").get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Spans overlapping `[from, to)` (all when absent), by start. */
  list(from = -Infinity, to = Infinity): StoredForceMajeure[] {
    if (!this.present()) return [];
    const rows = this.db
      .prepare("SELECT * FROM force_majeure WHERE end > ? AND start < ? ORDER BY start, id")
      .all(
        Number.isFinite(from) ? from : -Number.MAX_VALUE,
        Number.isFinite(to) ? to : Number.MAX_VALUE,
      ) as Row[];
    return rows.map(fromRow);
  }

  /** Removes a span; false if there was none. */
  remove(id: string): boolean {
    return this.present() && this.db.prepare("DELETE FROM force_majeure WHERE id = ?").run(id).changes > 0;
  }

  /** The engine's span marks for `[from, to)`. */
  marks(from?: number, to?: number): ForceMajeureMark[] {
    return this.list(from, to).map((s) => ({
      id: s.id,
      reason: s.reason,
      start: s.start,
      end: s.end,
      ...(s.segments ? { segments: s.segments } : {}),
      ...(s.services ? { services: s.services } : {}),
    }));
  }
}
