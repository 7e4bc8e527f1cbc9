import type Database from "better-sqlite3";
import type { MaintenanceWindow } from "../sla/maintenance.js";

/**
 * Declared maintenance windows (7.1.3, 6.1.6). A window is never deleted: cancelling records when,
 * so the report can still show a window that was announced and then called off.
 */

/** A window as stored: the engine's shape plus who-needs-to-know details. */
export type StoredWindow = MaintenanceWindow & {
  description?: string;
  /** When the operator entered it into mailsla (not when customers were told). */
  declaredAt: number;
};

/** How a cancellation went. */
export type CancelOutcome =
  | { status: "cancelled"; window: StoredWindow }
  | { status: "not-found" }
  | { status: "already-cancelled"; window: StoredWindow };

/** The maintenance_windows columns. */
export interface WindowRow {
  id: string;
  start: number;
  end: number;
  announced_at: number;
  segments: string | null;
  services: string | null;
  description: string | null;
  declared_at: number;
  cancelled_at: number | null;
}

/** A window from its row (both stores use the same columns). */
export function windowFromRow(r: WindowRow): StoredWindow {
  const w: StoredWindow = {
    id: r.id,
    start: r.start,
    end: r.end,
    announcedAt: r.announced_at,
    declaredAt: r.declared_at,
  };
  if (r.segments !== null) w.segments = JSON.parse(r.segments) as string[];
  if (r.services !== null) w.services = JSON.parse(r.services) as string[];
  if (r.description !== null) w.description = r.description;
  if (r.cancelled_at !== null) w.cancelledAt = r.cancelled_at;
  return w;
}

/** The maintenance table. */
export class MaintenanceTable {
  constructor(private readonly db: Database.Database) {}

  /** Stores a new window. */
  async declare(w: StoredWindow): Promise<StoredWindow> {
    this.db
      .prepare(
        `INSERT INTO maintenance_windows
        (id, start, end, announced_at, segments, services, description, declared_at, cancelled_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        w.id,
        w.start,
        w.end,
        w.announcedAt,
        w.segments ? JSON.stringify(w.segments) : null,
        w.services ? JSON.stringify(w.services) : null,
        w.description ?? null,
        w.declaredAt,
        w.cancelledAt ?? null,
      );
    return w;
  }

  /** Windows overlapping `[from, to)` (all without bounds), by start; cancelled ones included. */
  async list(from = -Infinity, to = Infinity): Promise<StoredWindow[]> {
    const rows = this.db
      .prepare(`SELECT * FROM maintenance_windows WHERE end > ? AND start < ? ORDER BY start, id`)
      .all(Number.isFinite(from) ? from : -8.64e15, Number.isFinite(to) ? to : 8.64e15) as WindowRow[];
    return rows.map(windowFromRow);
  }

  /** One window, or undefined. */
  async get(id: string): Promise<StoredWindow | undefined> {
    return this.row(id);
  }

  private row(id: string): StoredWindow | undefined {
    const row = this.db.prepare("SELECT * FROM maintenance_windows WHERE id = ?").get(id) as
      WindowRow | undefined;
    return row ? windowFromRow(row) : undefined;
  }

  /** Cancels a window at `at`; a cancelled window ends there (void if before its start). */
  async cancel(id: string, at: number): Promise<CancelOutcome> {
    return this.db.transaction((): CancelOutcome => {
      const window = this.row(id);
      if (!window) return { status: "not-found" };
      if (window.cancelledAt !== undefined) return { status: "already-cancelled", window };
      this.db.prepare("UPDATE maintenance_windows SET cancelled_at = ? WHERE id = ?").run(at, id);
      return { status: "cancelled", window: { ...window, cancelledAt: at } };
    })();
  }
}
