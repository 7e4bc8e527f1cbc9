import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * The agent's durable state: one SQLite file (WAL) per agent, so nothing an agent measured is lost
 * when it, or the collector, restarts. Modules create their own tables on it (the in-flight
 * delivery probes, the outbox); writes that must happen together share one transaction.
 */
export interface AgentState {
  db: Database.Database;
  outbox: Outbox;
  close(): void;
}

/**
 * Opens (creating if needed) the state file; ":memory:" for tests that need no durability. `now`
 * stamps when outbox records are queued (tests pass their clock).
 */
export function openAgentState(path: string, now: () => number = Date.now): AgentState {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  const outbox = new Outbox(db, now);
  return { db, outbox, close: () => db.close() };
}

/** One record waiting to reach the collector. */
export interface OutboxRecord {
  seq: number;
  /** What the payload is: "check" (ProbeResult) or "delivery" (DeliveryResult). */
  type: string;
  payload: unknown;
}

/**
 * Results waiting for the collector, in order. A producer adds a record inside the same transaction
 * as the state change that produced it (e.g. an in-flight message taken on arrival), so a crash
 * leaves either both or neither; the pusher acknowledges records only after the collector has
 * committed them, so nothing is lost and the collector's idempotent ingest absorbs any repeat.
 */
export class Outbox {
  private readonly insert: Database.Statement;
  private readonly selectPending: Database.Statement;
  private readonly countAll: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      type TEXT NOT NULL,
      payload TEXT NOT NULL
    )`);
    // When each record was queued (its age is exported); state files made before have no column.
    const columns = db.prepare("PRAGMA table_info(outbox)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "queued_at"))
      db.exec("ALTER TABLE outbox ADD COLUMN queued_at INTEGER");
    this.insert = db.prepare("INSERT INTO outbox (type, payload, queued_at) VALUES (?, ?, ?)");
    this.selectPending = db.prepare("SELECT seq, type, payload FROM outbox ORDER BY seq LIMIT ?");
    this.countAll = db.prepare("SELECT count(*) AS n FROM outbox");
  }

  /** Adds a record; call inside the producer's transaction when there is one. */
  add(type: string, payload: unknown): void {
    this.insert.run(type, JSON.stringify(payload), this.now());
  }

  /** The oldest records not yet acknowledged. */
  pending(limit: number): OutboxRecord[] {
    const rows = this.selectPending.all(limit) as { seq: number; type: string; payload: string }[];
    return rows.map((r) => ({ seq: r.seq, type: r.type, payload: JSON.parse(r.payload) as unknown }));
  }

  /** Removes records the collector has committed. */
  ack(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    const del = this.db.prepare(`DELETE FROM outbox WHERE seq IN (${seqs.map(() => "?").join(",")})`);
    del.run(...seqs);
  }

  /** Drops the oldest records beyond `max`: for an agent with no collector to push to. */
  keepAtMost(max: number): void {
    this.db.prepare("DELETE FROM outbox WHERE seq <= (SELECT max(seq) FROM outbox) - ?").run(max);
  }

  /** Records waiting (exported as a metric: a growing outbox means the collector is unreachable). */
  size(): number {
    return (this.countAll.get() as { n: number }).n;
  }

  /** When the oldest waiting record was queued (Unix ms), or undefined when none waits or its time is unknown. */
  oldestQueuedAt(): number | undefined {
    const row = this.db.prepare("SELECT queued_at AS at FROM outbox ORDER BY seq LIMIT 1").get() as
      { at: number | null } | undefined;
    return row?.at ?? undefined;
  }
}
