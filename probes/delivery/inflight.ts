import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { DeliveryDirection } from "../../config/delivery.js";
import type { AgentState } from "../state/agent-state.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";

/**
 * Probe messages in flight, in the agent's state file. A message is in flight from just before DATA
 * until it arrives or its loss timeout passes; the table outlives the process, so an agent restart
 * loses none. Taking a message (arrival or loss) and adding its result to the outbox happen in one
 * transaction: a crash leaves either both or neither, so no result is lost and none is counted twice.
 */

/** This process's identity for monotonic times: they are only comparable within one boot id. */
export const PROCESS_BOOT_ID = randomUUID();

/**
 * Allowance for wall-clock deltas across a restart: an NTP-disciplined clock slews at most 500 ppm,
 * plus one second for a step while the agent was down. Larger steps are not covered (docs/delivery.md).
 */
export function wallClockAllowance(seconds: number): number {
  return 1 + Math.max(0, seconds) * 500e-6;
}

/** One moment on both clocks, read together. */
export interface Instant {
  wall: number;
  mono: number;
}

/** A message being handed over (before its 250), as recorded by {@link InFlight.begin}. */
export interface NewMessage {
  token: string;
  delivery: string;
  direction: DeliveryDirection;
  vantage: string;
  lossTimeoutMs: number;
  /** The imap/pop3 service expected to see it (receive, roundtrip). */
  mailbox?: string;
}

/** A stored in-flight message. */
export interface InFlightRow extends NewMessage {
  bootId: string;
  startedWall: number;
  /** Undefined until the operator's 250 to DATA was seen. */
  sentWall?: number;
  sentMono?: number;
  queueId?: string;
}

/** Time elapsed since a message was taken over, on the best clock available for it. */
export interface Elapsed {
  seconds: number;
  clock: "monotonic" | "wall";
}

interface Row {
  token: string;
  delivery: string;
  direction: DeliveryDirection;
  vantage: string;
  loss_timeout_ms: number;
  mailbox: string | null;
  boot_id: string;
  started_wall: number;
  sent_wall: number | null;
  sent_mono: number | null;
  queue_id: string | null;
}

const toRow = (r: Row): InFlightRow => ({
  token: r.token,
  delivery: r.delivery,
  direction: r.direction,
  vantage: r.vantage,
  lossTimeoutMs: r.loss_timeout_ms,
  ...(r.mailbox !== null ? { mailbox: r.mailbox } : {}),
  bootId: r.boot_id,
  startedWall: r.started_wall,
  ...(r.sent_wall !== null ? { sentWall: r.sent_wall } : {}),
  ...(r.sent_mono !== null ? { sentMono: r.sent_mono } : {}),
  ...(r.queue_id !== null ? { queueId: r.queue_id } : {}),
});

/**
 * The statements of the in-flight table, prepared once: every send, confirmation, arrival and
 * watcher step runs one, and preparing (parsing SQL) each time was a measurable share of a probe.
 */
function statements(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO delivery_inflight (token, delivery, direction, vantage, loss_timeout_ms, mailbox, boot_id, started_wall)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    confirm: db.prepare(
      "UPDATE delivery_inflight SET sent_wall = ?, sent_mono = ?, queue_id = ?, boot_id = ? WHERE token = ?",
    ),
    get: db.prepare("SELECT * FROM delivery_inflight WHERE token = ?"),
    take: db.prepare("DELETE FROM delivery_inflight WHERE token = ? AND sent_wall IS NOT NULL RETURNING *"),
    remove: db.prepare("DELETE FROM delivery_inflight WHERE token = ?"),
    confirmed: db.prepare("SELECT * FROM delivery_inflight WHERE sent_wall IS NOT NULL"),
    awaited: db.prepare("SELECT count(*) AS n FROM delivery_inflight WHERE mailbox = ?"),
    lazy: db.prepare("PRAGMA synchronous = NORMAL"),
    durable: db.prepare("PRAGMA synchronous = FULL"),
    settle: db.prepare(
      "INSERT INTO delivery_settled (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1",
    ),
  };
}

/** The in-flight table of one agent state file, seen from one process (boot id). */
export class InFlight {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof statements>;
  /** The state file commits with synchronous=FULL (it does, except in tests that open it otherwise). */
  private readonly fullSync: boolean;
  private readonly taking: ReturnType<InFlight["takeTransaction"]>;
  /**
   * A confirmation or take was committed lazily since the last durable commit: {@link settle} has
   * work to do. True at start: a crashed predecessor's lazy commits may not be on the disk yet, and
   * the sweep after the watcher's first login may delete the messages they took.
   */
  private unsettled = true;

  constructor(
    private readonly state: AgentState,
    readonly bootId: string = PROCESS_BOOT_ID,
  ) {
    this.db = state.db;
    this.db.exec(`CREATE TABLE IF NOT EXISTS delivery_inflight (
      token TEXT PRIMARY KEY,
      delivery TEXT NOT NULL,
      direction TEXT NOT NULL,
      vantage TEXT NOT NULL,
      loss_timeout_ms INTEGER NOT NULL,
      mailbox TEXT,
      boot_id TEXT NOT NULL,
      started_wall INTEGER NOT NULL,
      sent_wall INTEGER,
      sent_mono REAL,
      queue_id TEXT
    )`);
    this.db.exec("CREATE INDEX IF NOT EXISTS delivery_inflight_mailbox ON delivery_inflight (mailbox)");
    // one row, rewritten by settle(): a durable commit that flushes the lazy ones before it
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS delivery_settled (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
    );
    this.sql = statements(this.db);
    this.taking = this.takeTransaction();
    this.fullSync = this.db.pragma("synchronous", { simple: true }) === 2;
  }

  /**
   * Records a message about to be handed over (before DATA), so an arrival can never beat its row.
   * Committed {@link lazily}: a row never confirmed is dropped at the next start anyway
   * ({@link recover}).
   */
  begin(m: NewMessage, startedWall: number): void {
    const { insert } = this.sql;
    const row = [m.token, m.delivery, m.direction, m.vantage, m.lossTimeoutMs, m.mailbox ?? null];
    this.lazily(() => insert.run(...row, this.bootId, startedWall));
  }

  /**
   * Records the operator's 250 to DATA: from now on the message counts as taken over. Committed
   * {@link lazily}: the next {@link settle} (at the latest the loss check's, every 30 s) or durable
   * commit makes it durable, and until then only an operating-system crash or power loss, not a
   * crash of the agent, can undo it; the message then counts neither way, like one whose 250 the
   * agent never saw.
   */
  confirm(token: string, at: Instant, queueId?: string): void {
    const { confirm } = this.sql;
    this.lazily(() => confirm.run(Math.round(at.wall), at.mono, queueId ?? null, this.bootId, token));
    this.unsettled = true;
  }

  /**
   * Runs one autocommit statement with synchronous=NORMAL: in WAL mode the commit survives a crash
   * of the process (the kernel has it) but is not flushed to the disk. Each fsync cost four
   * context switches and about 0.2 ms of CPU on the event loop, a large share of a probe
   * (docs/benchmarks-delivery.md). Losses, send failures and the sink's takes stay durable at once.
   */
  private lazily(run: () => unknown): void {
    const { lazy, durable } = this.sql;
    const durableNow = this.fullSync;
    if (durableNow) lazy.run();
    try {
      run();
    } finally {
      if (durableNow) durable.run();
    }
  }

  /** The message, or undefined when it is not (or no longer) in flight. */
  get(token: string): InFlightRow | undefined {
    const r = this.sql.get.get(token) as Row | undefined;
    return r && toRow(r);
  }

  /**
   * Removes a confirmed message and adds the result `build` makes of it to the outbox, in one
   * transaction. Returns the result, or undefined when the message is not in flight (already taken,
   * not yet confirmed, or another agent's): then nothing is written. A throwing outbox rolls it back.
   *
   * `durable: false` (a message seen in a mailbox) commits {@link lazily}: an agent crash cannot undo
   * it, an operating-system crash can, so the watcher calls {@link settle} before it deletes the
   * message from the server, and the loss check settles at every tick. Undone, the message is still
   * in the mailbox and is taken again after the restart, under the same result id. The sink's
   * arrivals stay durable at once: the operator's MTA is told 250 right after and sends no copy.
   */
  take(
    token: string,
    build: (row: InFlightRow) => DeliveryResult,
    durable = true,
  ): DeliveryResult | undefined {
    let result: DeliveryResult | undefined;
    const run = () => (result = this.taking.immediate(token, build));
    if (durable) run();
    else this.lazily(run);
    if (result) this.unsettled = !durable;
    return result;
  }

  /**
   * Makes every lazy confirmation and take durable (one small durable commit, whose fsync flushes
   * the write-ahead log before it); nothing to do when none happened since the last durable commit.
   */
  settle(): void {
    if (!this.unsettled) return;
    this.sql.settle.run();
    this.unsettled = false;
  }

  /** {@link take}'s transaction, made once: better-sqlite3 builds five wrappers per `transaction()`. */
  private takeTransaction() {
    return this.db.transaction(
      (token: string, build: (row: InFlightRow) => DeliveryResult): DeliveryResult | undefined => {
        const r = this.sql.take.get(token) as Row | undefined;
        if (!r) return undefined;
        const result = build(toRow(r));
        this.state.outbox.add("delivery", result);
        return result;
      },
    );
  }

  /** Every confirmed message whose loss timeout has passed at `now`, taken with the results `build` makes. */
  expire(now: Instant, build: (row: InFlightRow, age: Elapsed) => DeliveryResult): DeliveryResult[] {
    return this.db
      .transaction(() => {
        const out: DeliveryResult[] = [];
        for (const row of this.confirmed()) {
          const age = this.elapsed(row, now);
          if (age.seconds * 1000 < row.lossTimeoutMs) continue;
          this.sql.remove.run(row.token);
          const result = build(row, age);
          this.state.outbox.add("delivery", result);
          out.push(result);
        }
        return out;
      })
      .immediate();
  }

  /**
   * Drops messages an earlier run began but never saw accepted (it died between DATA and the 250):
   * nobody knows whether the operator took them over, so they count neither way. Call at start,
   * before anything is sent. Returns them.
   */
  recover(): InFlightRow[] {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare("SELECT * FROM delivery_inflight WHERE sent_wall IS NULL")
          .all() as Row[];
        this.db.prepare("DELETE FROM delivery_inflight WHERE sent_wall IS NULL").run();
        return rows.map(toRow);
      })
      .immediate();
  }

  /** Removes a message that was never taken over, adding its send-failed result in the same transaction. */
  abandon(token: string, result: DeliveryResult): void {
    this.db
      .transaction(() => {
        this.sql.remove.run(token);
        this.state.outbox.add("delivery", result);
      })
      .immediate();
  }

  /** Messages taken over and not arrived yet. */
  confirmed(): InFlightRow[] {
    const rows = this.sql.confirmed.all() as Row[];
    return rows.map(toRow);
  }

  /** How many messages (being sent or taken over) a mailbox watcher is waiting for. */
  awaitedIn(mailbox: string): number {
    return (this.sql.awaited.get(mailbox) as { n: number }).n;
  }

  /** Age of the oldest confirmed message and the count, per delivery: the scrape-time gauges. */
  ages(now: Instant): Map<string, { oldestSeconds: number; count: number }> {
    const out = new Map<string, { oldestSeconds: number; count: number }>();
    for (const row of this.confirmed()) {
      const age = this.elapsed(row, now).seconds;
      const cur = out.get(row.delivery) ?? { oldestSeconds: 0, count: 0 };
      out.set(row.delivery, { oldestSeconds: Math.max(cur.oldestSeconds, age), count: cur.count + 1 });
    }
    return out;
  }

  /**
   * Time since the 250: on the monotonic clock when this process took the message over, else the
   * wall-clock difference (its bound then includes {@link wallClockAllowance}).
   */
  elapsed(row: InFlightRow, now: Instant): Elapsed {
    if (row.bootId === this.bootId && row.sentMono !== undefined) {
      return { seconds: Math.max(0, (now.mono - row.sentMono) / 1000), clock: "monotonic" };
    }
    return { seconds: Math.max(0, (now.wall - (row.sentWall ?? row.startedWall)) / 1000), clock: "wall" };
  }
}

/** Reads both clocks at one moment. */
export function instant(clock: { now(): number; monotonic(): number }): Instant {
  return { wall: clock.now(), mono: clock.monotonic() };
}
