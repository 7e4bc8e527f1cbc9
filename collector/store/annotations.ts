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

/** The incident_annotations columns. */
export interface AnnotationRow {
  incident_id: string;
  cause: string | null;
  force_majeure_reason: string | null;
  affected_users: number | null;
  anchor_end?: number | null;
  updated_at: number;
}

/** An annotation from its row (both stores use the same columns). */
export function annotationFromRow(r: AnnotationRow): Annotation {
  const a: Annotation = { incidentId: r.incident_id, updatedAt: r.updated_at };
  if (r.cause !== null) a.cause = r.cause;
  if (r.force_majeure_reason !== null) a.forceMajeure = { reason: r.force_majeure_reason };
  if (r.affected_users !== null) a.affectedUsers = r.affected_users;
  if (r.anchor_end !== undefined && r.anchor_end !== null) a.anchorEnd = r.anchor_end;
  return a;
}

/** An annotation's columns after a patch; undefined when nothing is left (the row is removed). */
export interface MergedAnnotation {
  cause: string | null;
  reason: string | null;
  users: number | null;
  anchor: number | null;
}

/**
 * The annotation after `patch` is applied to `old`: a field absent keeps its value, `null` clears it.
 * `anchorEnd` is kept from the annotation's creation. Shared by both stores, so they merge alike.
 */
export function mergePatch(
  old: Annotation | undefined,
  patch: AnnotationPatch,
  anchorEnd: number | undefined,
): MergedAnnotation | undefined {
  const pick = <T>(v: T | null | undefined, prev: T | undefined): T | undefined =>
    v === undefined ? prev : (v ?? undefined);
  const cause = pick(patch.cause, old?.cause);
  const reason = pick(patch.forceMajeure, old?.forceMajeure)?.reason;
  const users = pick(patch.affectedUsers, old?.affectedUsers);
  if (cause === undefined && reason === undefined && users === undefined) return undefined;
  const anchor = old ? (old.anchorEnd ?? null) : (anchorEnd ?? null);
  return { cause: cause ?? null, reason: reason ?? null, users: users ?? null, anchor };
}

/**
 * The engine's views of the annotation list, written once for both stores: a store supplies `list()`,
 * this base class derives what the engine reads from it.
 */
export abstract class AnnotationViews {
  /** Every annotation, by incident id. */
  abstract list(): Promise<Annotation[]>;

  /** The engine's input: every annotation with its time anchor (collector/sla/anchors.ts). */
  async engineAnnotations(): Promise<IncidentAnnotation[]> {
    return engineAnnotationsOf(await this.list());
  }

  /** The engine's force majeure input: one mark per annotated incident. */
  async forceMajeureMarks(): Promise<ForceMajeureMark[]> {
    return forceMajeureMarksOf(await this.list());
  }

  /** The engine's affected-users overrides. */
  async overrides(): Promise<IncidentOverride[]> {
    return overridesOf(await this.list());
  }
}

/** The annotation table (SQLite). */
export class AnnotationTable extends AnnotationViews {
  constructor(private readonly db: Database.Database) {
    super();
  }

  /**
   * Applies a patch and returns the result; an annotation left empty is removed. `anchorEnd` is
   * kept from the annotation's creation: it says where the incident was when it was annotated.
   */
  async patch(
    incidentId: string,
    patch: AnnotationPatch,
    at: number,
    anchorEnd?: number,
  ): Promise<Annotation | undefined> {
    return this.db.transaction(() => {
      const merged = mergePatch(this.row(incidentId), patch, anchorEnd);
      if (!merged) {
        this.db.prepare("DELETE FROM incident_annotations WHERE incident_id = ?").run(incidentId);
        return undefined;
      }
      const { cause, reason, users, anchor } = merged;
      this.db
        .prepare(
          `INSERT INTO incident_annotations
          (incident_id, cause, force_majeure_reason, affected_users, anchor_end, updated_at)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET cause = excluded.cause,
          force_majeure_reason = excluded.force_majeure_reason, affected_users = excluded.affected_users,
          anchor_end = excluded.anchor_end, updated_at = excluded.updated_at`,
        )
        .run(incidentId, cause, reason, users, anchor, at);
      return this.row(incidentId);
    })();
  }

  /** One annotation, or undefined. */
  async get(incidentId: string): Promise<Annotation | undefined> {
    return this.row(incidentId);
  }

  private row(incidentId: string): Annotation | undefined {
    const row = this.db
      .prepare("SELECT * FROM incident_annotations WHERE incident_id = ?")
      .get(incidentId) as AnnotationRow | undefined;
    return row ? annotationFromRow(row) : undefined;
  }

  /** Every annotation, by incident id (which sorts by segment, then start). */
  async list(): Promise<Annotation[]> {
    const rows = this.db
      .prepare("SELECT * FROM incident_annotations ORDER BY incident_id")
      .all() as AnnotationRow[];
    return rows.map(annotationFromRow);
  }

  /** Removes an annotation; false if there was none. */
  async remove(incidentId: string): Promise<boolean> {
    return (
      this.db.prepare("DELETE FROM incident_annotations WHERE incident_id = ?").run(incidentId).changes > 0
    );
  }
}

/** The engine's view of annotations (collector/sla/anchors.ts): shared by both stores. */
export function engineAnnotationsOf(list: readonly Annotation[]): IncidentAnnotation[] {
  return list.map((a) => ({
    incidentId: a.incidentId,
    ...(a.anchorEnd === undefined ? {} : { anchorEnd: a.anchorEnd }),
    ...(a.cause === undefined ? {} : { cause: a.cause }),
    ...(a.forceMajeure ? { forceMajeure: a.forceMajeure } : {}),
    ...(a.affectedUsers === undefined ? {} : { affectedUsers: a.affectedUsers }),
  }));
}

/** One force majeure mark per annotated incident: shared by both stores. */
export function forceMajeureMarksOf(list: readonly Annotation[]): ForceMajeureMark[] {
  return list.flatMap((a) =>
    a.forceMajeure
      ? [{ id: `incident:${a.incidentId}`, reason: a.forceMajeure.reason, incidentId: a.incidentId }]
      : [],
  );
}

/** The affected-users overrides of annotated incidents: shared by both stores. */
export function overridesOf(list: readonly Annotation[]): IncidentOverride[] {
  return list.flatMap((a) =>
    a.affectedUsers !== undefined ? [{ incidentId: a.incidentId, affectedUsers: a.affectedUsers }] : [],
  );
}
