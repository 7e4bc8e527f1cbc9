import type Database from "better-sqlite3";

/**
 * The durable queue of time-series points bound for InfluxDB. Points are added in the ingest
 * transaction that stores their results, so a committed result always has its point queued, and
 * removed only after InfluxDB accepted them: influxd being down delays the export, never loses it.
 */

/** One time-series point; its identity in InfluxDB is (measurement, tags, timestamp). */
export interface ExportPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  /** Unix ms (written with ms precision). */
  timestamp: number;
}

/** A queued point and its position. */
export interface QueuedPoint {
  seq: number;
  point: ExportPoint;
}

/** The export_queue table. */
export class ExportQueue {
  private readonly insert: Database.Statement;
  private readonly oldest: Database.Statement;
  private readonly removeUpTo: Database.Statement;
  private readonly count: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare("INSERT INTO export_queue (point) VALUES (?)");
    this.oldest = db.prepare("SELECT seq, point FROM export_queue ORDER BY seq LIMIT ?");
    this.removeUpTo = db.prepare("DELETE FROM export_queue WHERE seq <= ?");
    this.count = db.prepare("SELECT count(*) AS n FROM export_queue");
  }

  /** Queues a point; call inside the transaction that stores its result. */
  add(point: ExportPoint): void {
    this.insert.run(JSON.stringify(point));
  }

  /** The oldest points, in order. */
  async peek(limit: number): Promise<QueuedPoint[]> {
    const rows = this.oldest.all(limit) as { seq: number; point: string }[];
    return rows.map((r) => ({ seq: r.seq, point: JSON.parse(r.point) as ExportPoint }));
  }

  /**
   * Drops every point up to `seq`, after InfluxDB accepted them. Only the exporter removes, always
   * from the head, so "up to" is exactly the batch it wrote.
   */
  async removeThrough(seq: number): Promise<void> {
    this.removeUpTo.run(seq);
  }

  /** Points waiting (a metric: a growing queue means InfluxDB is unreachable). */
  async size(): Promise<number> {
    return (this.count.get() as { n: number }).n;
  }
}
