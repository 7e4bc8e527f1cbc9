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

/** The force_majeure columns. */
export interface SpanRow {
  id: string;
  start: number;
  end: number;
  segments: string | null;
  services: string | null;
  reason: string;
  declared_at: number;
}

/** A span from its row (both stores use the same columns). */
export function spanFromRow(r: SpanRow): StoredForceMajeure {
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
  async declare(s: StoredForceMajeure): Promise<StoredForceMajeure> {
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
    return (await this.get(s.id))!;
  }

  /** One span, or undefined. */
  async get(id: string): Promise<StoredForceMajeure | undefined> {
    if (!this.present()) return undefined;
    const row = this.db.prepare("SELECT * FROM force_majeure WHERE id = ?").get(id) as SpanRow | undefined;
    return row ? spanFromRow(row) : undefined;
  }

  /** Spans overlapping `[from, to)` (all when absent), by start. */
  async list(from = -Infinity, to = Infinity): Promise<StoredForceMajeure[]> {
    if (!this.present()) return [];
    const rows = this.db
      .prepare("SELECT * FROM force_majeure WHERE end > ? AND start < ? ORDER BY start, id")
      .all(
        Number.isFinite(from) ? from : -Number.MAX_VALUE,
        Number.isFinite(to) ? to : Number.MAX_VALUE,
      ) as SpanRow[];
    return rows.map(spanFromRow);
  }

  /** Removes a span; false if there was none. */
  async remove(id: string): Promise<boolean> {
    return this.present() && this.db.prepare("DELETE FROM force_majeure WHERE id = ?").run(id).changes > 0;
  }

  /** The engine's span marks for `[from, to)`. */
  async marks(from?: number, to?: number): Promise<ForceMajeureMark[]> {
    return spanMarks(await this.list(from, to));
  }
}

/** The engine's marks of declared spans: shared by both stores. */
export function spanMarks(spans: readonly StoredForceMajeure[]): ForceMajeureMark[] {
  return spans.map((s) => ({
    id: s.id,
    reason: s.reason,
    start: s.start,
    end: s.end,
    ...(s.segments ? { segments: s.segments } : {}),
    ...(s.services ? { services: s.services } : {}),
  }));
}
