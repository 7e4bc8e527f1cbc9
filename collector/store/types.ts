import type { FailureCause, RunStart } from "../sla/causes.js";
import type { IncidentAnnotation } from "../sla/anchors.js";
import type { ForceMajeureMark } from "../sla/force-majeure.js";
import type { IncidentOverride } from "../sla/incidents.js";
import type { ObservationSeries } from "../sla/vantage-state.js";
import type { ProbeResult } from "../../contract/result.js";
import type { Annotation, AnnotationPatch } from "./annotations.js";
import type { ExportPoint, QueuedPoint } from "./export-queue.js";
import type { StoredForceMajeure } from "./force-majeure.js";
import type { CancelOutcome, StoredWindow } from "./maintenance.js";
import type { ManualEntry, StoredManualEntry } from "./manual.js";
import type { RawRow, RunRow, SeriesPlan } from "./compaction.js";
import type { IngestCounts, IngestRecord, ResultQuery, StoredCheck, StoredDelivery } from "./results.js";

/**
 * The ledger's interface, one for both engines: the embedded SQLite file (collector/store/index.ts)
 * and PostgreSQL (collector/store/postgres/). Every read and write returns a promise, because a
 * server-side database answers over a socket; the SQLite implementation answers at once. Routes,
 * the SLA source, the report and the exporter see only this, never SQL; one contract suite
 * (test/collector/store-contract.ts) runs against both implementations.
 */

/** Stored probe results: what the engine and the API read. */
export interface ResultReader {
  /** Check results in `[from, to)`, oldest first. */
  checks(q: ResultQuery): Promise<StoredCheck[]>;
  /** The full ProbeResult as the agent sent it, or undefined. */
  checkPayload(id: string): Promise<ProbeResult | undefined>;
  /** The engine's input: one time-ordered series per (service, vantage point) with results in `[from, to)`. */
  observationSeries(from: number, to: number): Promise<ObservationSeries[]>;
  /** The code and stage of the failed result at each run start (collector/sla/causes.ts). */
  causes(starts: readonly RunStart[]): Promise<FailureCause[]>;
  /** Delivery results taken over (`sentAt`) in `[from, to)`, oldest first. */
  deliveries(q: Omit<ResultQuery, "service">): Promise<StoredDelivery[]>;
  /** Whether the ledger holds a result of this service (type "check") or delivery. */
  holdsName(type: "check" | "delivery", name: string): Promise<boolean>;
  /** Stored results by type (tests and the store-size metric). */
  counts(): Promise<{ checks: number; deliveries: number }>;
}

/** Declared maintenance windows (7.1.3, 6.1.6); never deleted, cancelled with a time. */
export interface MaintenanceStore {
  /** Stores a new window; throws on a duplicate id. */
  declare(w: StoredWindow): Promise<StoredWindow>;
  /** Windows overlapping `[from, to)` (all without bounds), by start; cancelled ones included. */
  list(from?: number, to?: number): Promise<StoredWindow[]>;
  get(id: string): Promise<StoredWindow | undefined>;
  /** Cancels a window at `at`, atomically with reading it. */
  cancel(id: string, at: number): Promise<CancelOutcome>;
}

/** What the operator says about an incident (cause, force majeure mark, affected users). */
export interface AnnotationStore {
  /** Applies a patch atomically and returns the result; an annotation left empty is removed. */
  patch(
    incidentId: string,
    patch: AnnotationPatch,
    at: number,
    anchorEnd?: number,
  ): Promise<Annotation | undefined>;
  get(incidentId: string): Promise<Annotation | undefined>;
  /** Every annotation, by incident id. */
  list(): Promise<Annotation[]>;
  remove(incidentId: string): Promise<boolean>;
  /** The engine's input: every annotation with its time anchor. */
  engineAnnotations(): Promise<IncidentAnnotation[]>;
  /** One force majeure mark per annotated incident. */
  forceMajeureMarks(): Promise<ForceMajeureMark[]>;
  /** The engine's affected-users overrides. */
  overrides(): Promise<IncidentOverride[]>;
}

/** Force majeure spans (1.5) declared through the admin API. */
export interface ForceMajeureStore {
  declare(s: StoredForceMajeure): Promise<StoredForceMajeure>;
  get(id: string): Promise<StoredForceMajeure | undefined>;
  /** Spans overlapping `[from, to)` (all when absent), by start. */
  list(from?: number, to?: number): Promise<StoredForceMajeure[]>;
  remove(id: string): Promise<boolean>;
  /** The engine's span marks for `[from, to)`. */
  marks(from?: number, to?: number): Promise<ForceMajeureMark[]>;
}

/** Indicators the operator enters per month. */
export interface ManualStore {
  /** Stores the entries of one month in one transaction (all or none); returns the month's entries. */
  upsert(month: string, entries: readonly ManualEntry[], at: number): Promise<StoredManualEntry[]>;
  list(month: string): Promise<StoredManualEntry[]>;
  remove(month: string, clause: string): Promise<boolean>;
}

/** The durable queue of points bound for InfluxDB (filled inside ingest transactions). */
export interface ExportQueueStore {
  /** The oldest points, in order. */
  peek(limit: number): Promise<QueuedPoint[]>;
  /** Drops every point up to `seq`, after InfluxDB accepted them. */
  removeThrough(seq: number): Promise<void>;
  /** Points waiting. */
  size(): Promise<number>;
}

/** Compaction's access to the ledger (collector/store/compaction.ts plans, this writes). */
export interface CompactionStore {
  /** Everything before this is compacted (0: nothing yet). */
  boundary(): Promise<number>;
  /** The series with raw results before `before`, with their check kind. */
  series(before: number): Promise<{ service: string; vantage: string; kind: string }[]>;
  /** Raw results of one series in `[from, before)`, oldest first. */
  raw(service: string, vantage: string, from: number, before: number): Promise<RawRow[]>;
  /** The time of a series' oldest raw result, or undefined. */
  oldestRaw(service: string, vantage: string): Promise<number | undefined>;
  /** The stored run rows of the series' last segment, oldest first. */
  tail(service: string, vantage: string): Promise<RunRow[]>;
  /** Writes one series' plan in one transaction: runs inserted and updated, raw results deleted. */
  apply(plan: SeriesPlan): Promise<void>;
  /** Records that everything before `before` is compacted. */
  setBoundary(before: number): Promise<void>;
  /** Run rows (compacted results) in the ledger. */
  runCount(): Promise<number>;
}

/** What one ingest transaction did, in total and by record type. */
export interface IngestOutcome extends IngestCounts {
  byType: Record<IngestRecord["type"], IngestCounts>;
}

/**
 * One committed ingest as other readers learn of it (collector/sla-source/changes.ts): the times its
 * new results touch and who pushed when. Several collector replicas on one PostgreSQL see each
 * other's ingests through these rows, so their cached months and last-push gauges agree.
 */
export interface IngestChange {
  /** Position in the change log: increasing. */
  readonly seq: number;
  readonly vantage: string;
  readonly receivedAt: number;
  /** Earliest and latest time of the batch's new results (`startedAt`, or a delivery's `sentAt`); null when all were duplicates. */
  readonly minAt: number | null;
  readonly maxAt: number | null;
  /** A submission or relay check was among them (7.1.13/7.1.14 states of later periods). */
  readonly security: boolean;
}

/**
 * The change log's answer: the changes after a cursor, the cursor to ask with next, or word that
 * some were pruned before they were read. The cursor is opaque: SQLite's single writer commits in
 * `seq` order, so its cursor is a seq; PostgreSQL transactions commit out of order, so its cursor is
 * the oldest transaction still running (`pg_snapshot_xmin`), below which no change can appear late.
 */
export interface ChangesSince {
  readonly changes: IngestChange[];
  /** Ask from here next time. */
  readonly next: number;
  /** Changes after the cursor were pruned: the reader must treat everything as changed. */
  readonly gap: boolean;
}

/**
 * Where an exactly-once job stands (the monthly report's send): `claimed` while its holder works on
 * it (its lease renewed each step; another collector may take it over once the lease runs out),
 * `sending` once the holder began the irreversible step (never taken over: a holder that died here
 * leaves the outcome uncertain for a human), `done` when finished.
 */
export type JobState = "claimed" | "sending" | "done";

/** A claim's answer: whether the caller holds the job now, and who does. */
export interface JobClaim {
  readonly granted: boolean;
  readonly holder: string;
  readonly state: JobState;
}

/** The ledger. */
export interface CollectorStore {
  /** "sqlite" or "postgres". */
  readonly engine: "sqlite" | "postgres";
  /** Where the ledger is, for messages: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** The SQLite file (":memory:" for tests); undefined for PostgreSQL (no local disk to watch). */
  readonly file: string | undefined;
  readonly results: ResultReader;
  readonly maintenance: MaintenanceStore;
  readonly annotations: AnnotationStore;
  readonly forceMajeure: ForceMajeureStore;
  readonly manual: ManualStore;
  readonly exportQueue: ExportQueueStore;
  readonly compaction: CompactionStore;
  /**
   * Stores a batch in ONE transaction: every new record, its export points (when `toPoints` is
   * given) and its change-log row, or nothing at all. Resolves once the transaction is committed.
   * Idempotent by result id: a record already stored counts as a duplicate.
   */
  ingest(
    vantage: string,
    records: readonly IngestRecord[],
    receivedAt: number,
    toPoints?: (record: IngestRecord) => ExportPoint[],
  ): Promise<IngestOutcome>;
  /** Committed ingests after `cursor` (at most `limit`), oldest first. */
  changesSince(cursor: number, limit?: number): Promise<ChangesSince>;
  /** The cursor of now: a new reader starts from here. */
  lastChange(): Promise<number>;
  /** Each vantage point's last push (received time) recorded in the change log since `since`. */
  lastPushes(since: number): Promise<Map<string, number>>;
  /** A trivial read, for /healthz. */
  ping(): Promise<void>;
  /** Commits a one-row write (the readiness probe): rejects when the ledger cannot take a write. */
  heartbeat(at: number): Promise<void>;
  /** An integrity check: ["ok"] for a sound ledger, else what is damaged (at most `max` lines). */
  quickCheck(max?: number): Promise<string[]>;
  /** Bytes of the ledger on disk. */
  sizeBytes(): Promise<number>;
  /**
   * Claims job `name` for `holder` until `now + leaseMs`: granted when nobody holds it, when
   * `holder` already does (the lease is renewed), or when a `claimed` lease ran out. Never granted
   * once it is `sending` by another holder or `done`. Several collectors on one ledger run each job
   * once this way (the monthly report: docs/scaling.md).
   */
  claimJob(name: string, holder: string, now: number, leaseMs: number): Promise<JobClaim>;
  /** Moves a job its holder holds to `state`; rejects when `holder` does not hold it. */
  setJobState(name: string, holder: string, state: JobState, now: number): Promise<void>;
  close(): Promise<void>;
}
