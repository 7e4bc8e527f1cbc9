import type { Pool, PoolClient } from "pg";
import type { ForceMajeureMark } from "../../sla/force-majeure.js";
import {
  annotationFromRow,
  AnnotationViews,
  mergePatch,
  type Annotation,
  type AnnotationPatch,
  type AnnotationRow,
} from "../annotations.js";
import { spanFromRow, spanMarks, type SpanRow, type StoredForceMajeure } from "../force-majeure.js";
import { windowFromRow, type CancelOutcome, type StoredWindow, type WindowRow } from "../maintenance.js";
import { manualFromRow, type ManualEntry, type ManualRow, type StoredManualEntry } from "../manual.js";
import type { AnnotationStore, ForceMajeureStore, MaintenanceStore, ManualStore } from "../types.js";

/**
 * The operator's declarations in PostgreSQL: maintenance windows, incident annotations, force
 * majeure spans and manual indicators, in the SQLite ledger's columns and with its row mappers and
 * merge rules (collector/store/*.ts), so both stores answer alike. Read-modify-write steps run in a
 * transaction with the row locked (`FOR UPDATE`), since two replicas may take the same request.
 */

/**
 * Runs `fn` in a transaction on one pooled connection. A connection the server ends while it is
 * checked out (a restart between two statements) emits an error with no query to take it: it is
 * caught here, the transaction fails with it, and the connection is destroyed, not pooled again.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => void (broken ??= err);
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (err) {
    if (!broken) await client.query("ROLLBACK").catch((e: Error) => void (broken ??= e));
    throw err;
  } finally {
    client.off("error", onError);
    client.release(broken ?? false);
  }
}

const json = (list: readonly string[] | undefined) => (list ? JSON.stringify(list) : null);
/** Bounds of an open range as numbers PostgreSQL's BIGINT holds (the JavaScript date range). */
const lo = (from: number) => (Number.isFinite(from) ? from : -8.64e15);
const hi = (to: number) => (Number.isFinite(to) ? to : 8.64e15);

/** Maintenance windows. */
export class PgMaintenance implements MaintenanceStore {
  constructor(private readonly pool: Pool) {}

  async declare(w: StoredWindow): Promise<StoredWindow> {
    await this.pool.query(
      `INSERT INTO maintenance_windows
      (id, start, "end", announced_at, segments, services, description, declared_at, cancelled_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        w.id,
        w.start,
        w.end,
        w.announcedAt,
        json(w.segments),
        json(w.services),
        w.description ?? null,
        w.declaredAt,
        w.cancelledAt ?? null,
      ],
    );
    return w;
  }

  async list(from = -Infinity, to = Infinity): Promise<StoredWindow[]> {
    const { rows } = await this.pool.query<WindowRow>(
      `SELECT * FROM maintenance_windows WHERE "end" > $1 AND start < $2 ORDER BY start, id COLLATE "C"`,
      [lo(from), hi(to)],
    );
    return rows.map(windowFromRow);
  }

  async get(id: string): Promise<StoredWindow | undefined> {
    const { rows } = await this.pool.query<WindowRow>("SELECT * FROM maintenance_windows WHERE id = $1", [
      id,
    ]);
    return rows[0] ? windowFromRow(rows[0]) : undefined;
  }

  async cancel(id: string, at: number): Promise<CancelOutcome> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<WindowRow>(
        "SELECT * FROM maintenance_windows WHERE id = $1 FOR UPDATE",
        [id],
      );
      if (!rows[0]) return { status: "not-found" };
      const window = windowFromRow(rows[0]);
      if (window.cancelledAt !== undefined) return { status: "already-cancelled", window };
      await client.query("UPDATE maintenance_windows SET cancelled_at = $1 WHERE id = $2", [at, id]);
      return { status: "cancelled", window: { ...window, cancelledAt: at } };
    });
  }
}

/** Incident annotations. */
export class PgAnnotations extends AnnotationViews implements AnnotationStore {
  constructor(private readonly pool: Pool) {
    super();
  }

  async patch(
    incidentId: string,
    patch: AnnotationPatch,
    at: number,
    anchorEnd?: number,
  ): Promise<Annotation | undefined> {
    return inTransaction(this.pool, async (client) => {
      // Two replicas annotating a new incident at once: the lock below cannot see a row not yet
      // there, so a transaction-scoped advisory lock on the id serialises them.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`annotation:${incidentId}`]);
      const { rows } = await client.query<AnnotationRow>(
        "SELECT * FROM incident_annotations WHERE incident_id = $1 FOR UPDATE",
        [incidentId],
      );
      const merged = mergePatch(rows[0] ? annotationFromRow(rows[0]) : undefined, patch, anchorEnd);
      if (!merged) {
        await client.query("DELETE FROM incident_annotations WHERE incident_id = $1", [incidentId]);
        return undefined;
      }
      const written = await client.query<AnnotationRow>(
        `INSERT INTO incident_annotations
        (incident_id, cause, force_majeure_reason, affected_users, anchor_end, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (incident_id) DO UPDATE SET cause = excluded.cause,
        force_majeure_reason = excluded.force_majeure_reason, affected_users = excluded.affected_users,
        anchor_end = excluded.anchor_end, updated_at = excluded.updated_at RETURNING *`,
        [incidentId, merged.cause, merged.reason, merged.users, merged.anchor, at],
      );
      return annotationFromRow(written.rows[0]!);
    });
  }

  async get(incidentId: string): Promise<Annotation | undefined> {
    const { rows } = await this.pool.query<AnnotationRow>(
      "SELECT * FROM incident_annotations WHERE incident_id = $1",
      [incidentId],
    );
    return rows[0] ? annotationFromRow(rows[0]) : undefined;
  }

  async list(): Promise<Annotation[]> {
    const { rows } = await this.pool.query<AnnotationRow>(
      `SELECT * FROM incident_annotations ORDER BY incident_id COLLATE "C"`,
    );
    return rows.map(annotationFromRow);
  }

  async remove(incidentId: string): Promise<boolean> {
    const r = await this.pool.query("DELETE FROM incident_annotations WHERE incident_id = $1", [incidentId]);
    return (r.rowCount ?? 0) > 0;
  }
}

/** Force majeure spans. */
export class PgForceMajeure implements ForceMajeureStore {
  constructor(private readonly pool: Pool) {}

  async declare(s: StoredForceMajeure): Promise<StoredForceMajeure> {
    const { rows } = await this.pool.query<SpanRow>(
      `INSERT INTO force_majeure (id, start, "end", segments, services, reason, declared_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [s.id, s.start, s.end, json(s.segments), json(s.services), s.reason, s.declaredAt],
    );
    return spanFromRow(rows[0]!);
  }

  async get(id: string): Promise<StoredForceMajeure | undefined> {
    const { rows } = await this.pool.query<SpanRow>("SELECT * FROM force_majeure WHERE id = $1", [id]);
    return rows[0] ? spanFromRow(rows[0]) : undefined;
  }

  async list(from = -Infinity, to = Infinity): Promise<StoredForceMajeure[]> {
    const { rows } = await this.pool.query<SpanRow>(
      `SELECT * FROM force_majeure WHERE "end" > $1 AND start < $2 ORDER BY start, id COLLATE "C"`,
      [lo(from), hi(to)],
    );
    return rows.map(spanFromRow);
  }

  async remove(id: string): Promise<boolean> {
    return ((await this.pool.query("DELETE FROM force_majeure WHERE id = $1", [id])).rowCount ?? 0) > 0;
  }

  async marks(from?: number, to?: number): Promise<ForceMajeureMark[]> {
    return spanMarks(await this.list(from, to));
  }
}

/** Manual indicators. */
export class PgManual implements ManualStore {
  constructor(private readonly pool: Pool) {}

  async upsert(month: string, entries: readonly ManualEntry[], at: number): Promise<StoredManualEntry[]> {
    await inTransaction(this.pool, async (client) => {
      for (const e of entries) {
        await client.query(
          `INSERT INTO manual_indicators (month, clause, value, note, entered_at) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (month, clause) DO UPDATE SET value = excluded.value, note = excluded.note,
          entered_at = excluded.entered_at`,
          [month, e.clause, JSON.stringify(e.value), e.note ?? null, at],
        );
      }
    });
    return this.list(month);
  }

  async list(month: string): Promise<StoredManualEntry[]> {
    const { rows } = await this.pool.query<ManualRow>(
      `SELECT * FROM manual_indicators WHERE month = $1 ORDER BY clause COLLATE "C"`,
      [month],
    );
    return rows.map(manualFromRow);
  }

  async remove(month: string, clause: string): Promise<boolean> {
    const r = await this.pool.query("DELETE FROM manual_indicators WHERE month = $1 AND clause = $2", [
      month,
      clause,
    ]);
    return (r.rowCount ?? 0) > 0;
  }
}
