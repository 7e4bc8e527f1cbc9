import type Database from "better-sqlite3";
import type { IncidentAnnotation } from "../sla/anchors.js";
import type { ForceMajeureMark } from "../sla/force-majeure.js";
import type { IncidentOverride } from "../sla/incidents.js";

/**
 * What the operator says about an incident the engine found: its cause, a force majeure mark with
 * its reason (1.5), and a corrected number of affected users (7.1.2). Keyed by the incident id it was
 * made for (`segment@start`) with the end the incident had then: its time anchor. The engine matches
 * the anchor to the incident as it is now (collector/sla/anchors.ts), so a late result that moves the
 * start keeps the annotation, and one left without an incident is shown as orphaned.
 */

/** One incident's annotation. */
export interface Annotation {
  incidentId: string;
  cause?: string;
  forceMajeure?: { reason: string };
  affectedUsers?: number;
  /** The incident's end (or the time of annotation while it was open) when first annotated. */
  anchorEnd?: number;
  updatedAt: number;
}

/** A change: a field absent keeps its value, `null` clears it. */
export interface AnnotationPatch {
  cause?: string | null;
  forceMajeure?: { reason: string } | null;
  affectedUsers?: number | null;
}

interface Row {
  incident_id: string;
  cause: string | null;
  force_majeure_reason: string | null;
  affected_users: number | null;
  anchor_end?: number | null;
  updated_at: number;
}

function fromRow(r: Row): Annotation {
  const a: Annotation = { incidentId: r.incident_id, updatedAt: r.updated_at };
  if (r.cause !== null) a.cause = r.cause;
  if (r.force_majeure_reason !== null) a.forceMajeure = { reason: r.force_majeure_reason };
  if (r.affected_users !== null) a.affectedUsers = r.affected_users;
  if (r.anchor_end !== undefined && r.anchor_end !== null) a.anchorEnd = r.anchor_end;
  return a;
}

/** The annotation table. */
export class AnnotationTable {
  constructor(private readonly db: Database.Database) {}

  /**
   * Applies a patch and returns the result; an annotation left empty is removed. `anchorEnd` is
   * kept from the annotation's creation: it says where the incident was when it was annotated.
   */
  patch(incidentId: string, patch: AnnotationPatch, at: number, anchorEnd?: number): Annotation | undefined {
    return this.db.transaction(() => {
      const old = this.get(incidentId);
      const pick = <T>(v: T | null | undefined, prev: T | undefined): T | undefined =>
        v === undefined ? prev : (v ?? undefined);
      const cause = pick(patch.cause, old?.cause);
      const reason = pick(patch.forceMajeure, old?.forceMajeure)?.reason;
      const users = pick(patch.affectedUsers, old?.affectedUsers);
      if (cause === undefined && reason === undefined && users === undefined) {
        this.remove(incidentId);
        return undefined;
      }
      const anchor = old ? (old.anchorEnd ?? null) : (anchorEnd ?? null);
      this.db
        .prepare(
          `INSERT INTO incident_annotations
          (incident_id, cause, force_majeure_reason, affected_users, anchor_end, updated_at)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET cause = excluded.cause,
          force_majeure_reason = excluded.force_majeure_reason, affected_users = excluded.affected_users,
          anchor_end = excluded.anchor_end, updated_at = excluded.updated_at`,
        )
        .run(incidentId, cause ?? null, reason ?? null, users ?? null, anchor, at);
      return this.get(incidentId);
    })();
  }

  /** One annotation, or undefined. */
  get(incidentId: string): Annotation | undefined {
    const row = this.db
      .prepare("SELECT * FROM incident_annotations WHERE incident_id = ?")
      .get(incidentId) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Every annotation, by incident id (which sorts by segment, then start). */
  list(): Annotation[] {
    const rows = this.db.prepare("SELECT * FROM incident_annotations ORDER BY incident_id").all() as Row[];
    return rows.map(fromRow);
  }

  /** Removes an annotation; false if there was none. */
  remove(incidentId: string): boolean {
    return (
      this.db.prepare("DELETE FROM incident_annotations WHERE incident_id = ?").run(incidentId).changes > 0
    );
  }

  /** The engine's input: every annotation with its time anchor (collector/sla/anchors.ts). */
  engineAnnotations(): IncidentAnnotation[] {
    return this.list().map((a) => ({
      incidentId: a.incidentId,
      ...(a.anchorEnd === undefined ? {} : { anchorEnd: a.anchorEnd }),
      ...(a.cause === undefined ? {} : { cause: a.cause }),
      ...(a.forceMajeure ? { forceMajeure: a.forceMajeure } : {}),
      ...(a.affectedUsers === undefined ? {} : { affectedUsers: a.affectedUsers }),
    }));
  }

  /** The engine's force majeure input: one mark per annotated incident. */
  forceMajeureMarks(): ForceMajeureMark[] {
    return this.list().flatMap((a) =>
      a.forceMajeure
        ? [{ id: `incident:${a.incidentId}`, reason: a.forceMajeure.reason, incidentId: a.incidentId }]
        : [],
    );
  }

  /** The engine's affected-users overrides. */
  overrides(): IncidentOverride[] {
    return this.list().flatMap((a) =>
      a.affectedUsers !== undefined ? [{ incidentId: a.incidentId, affectedUsers: a.affectedUsers }] : [],
    );
  }
}
