import type { SmtpSession } from "../kinds/smtp.js";
import type { HostLimits } from "../net/host-limits.js";

/**
 * SMTP sessions kept open between probe messages, per service and login. A fresh hand-over costs a
 * TCP connect, STARTTLS (a TLS handshake), EHLO twice and AUTH before its one message: most of a
 * probe's CPU in the agent's profile (docs/benchmarks.md). RFC 5321 lets a client send the next
 * transaction on the same session (after a completed DATA the server is back in its initial state,
 * 4.1.4), which every MTA supports and real MTAs do with their own connection caches; the probes
 * then pay only MAIL, RCPT and DATA per message. The delay measured is unchanged: it starts at the
 * 250 to DATA whichever session carried the message.
 *
 * Bounds, so a reused session never stands out at the operator's servers: a session stays idle at
 * most {@link PoolOptions.idleMs} (shorter than Postfix's 300 s `smtpd_timeout`), carries at most
 * `maxMessages` messages and lives at most `maxAgeMs`; sessions open to one host, idle or carrying
 * a message, stay within `agent.hostLimits.connections` (an idle one of another login is closed to
 * make room). One the server closed or spoke on while idle is never reused.
 */

/** How long and how much one session may be reused; defaults in {@link DEFAULT_POOL}. */
export interface PoolOptions {
  idleMs: number;
  maxMessages: number;
  maxAgeMs: number;
}

/** Defaults: a minute-interval probe finds its session still open; a session is re-made every 100 messages. */
export const DEFAULT_POOL: PoolOptions = { idleMs: 90_000, maxMessages: 100, maxAgeMs: 10 * 60_000 };

/** One open session. */
interface Entry {
  key: string;
  host: string;
  session: SmtpSession;
  openedAt: number;
  uses: number;
  idleTimer?: NodeJS.Timeout;
}

/** A session carrying one hand-over, holding that hand-over's host slot; give it back or discard it. */
export interface Lease {
  readonly session: SmtpSession;
  /** Messages this session carried before this one. */
  readonly uses: number;
  /** Closes the session and frees the hand-over's slot; safe to call twice. */
  discard(): void;
}

/** Milliseconds on a monotonic clock. */
type Now = () => number;

/** The idle sessions of one agent's delivery probes. */
export class SmtpPool {
  private readonly idle = new Map<string, Entry[]>();
  /** Idle sessions are bound to this signal: it never fires before close(). */
  private readonly closing = new AbortController();

  constructor(
    private readonly limits: HostLimits | undefined,
    private readonly o: PoolOptions = DEFAULT_POOL,
    private readonly now: Now = () => performance.now(),
  ) {}

  /**
   * An idle session for `key` (service and login) that can take a transaction now, for a hand-over
   * that holds the host slot `release` frees; undefined when there is none.
   */
  take(key: string, signal: AbortSignal, release: () => void): Lease | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop()!;
      clearTimeout(entry.idleTimer);
      if (entry.session.dialog.reusable && this.now() - entry.openedAt < this.o.maxAgeMs) {
        entry.session.dialog.rebind(signal);
        return this.lease(entry, release);
      }
      entry.session.dialog.close();
    }
    return undefined;
  }

  /**
   * A session just opened by a hand-over holding the slot `release` frees. Before opening it, call
   * {@link makeRoom} so the host's sessions stay within its limit.
   */
  add(key: string, host: string, session: SmtpSession, release: () => void): Lease {
    return this.lease({ key, host, session, openedAt: this.now(), uses: 0 }, release);
  }

  /** Closes an idle session of `host` (any login) when idle and busy ones together fill its limit. */
  makeRoom(host: string): void {
    const limit = this.limits?.connections ?? Infinity;
    const busy = this.limits?.busy(host) ?? 0;
    if (this.idleOn(host) + busy <= limit) return;
    for (const list of this.idle.values()) {
      const entry = list.find((e) => e.host === host);
      if (entry) return this.leave(entry);
    }
  }

  /**
   * The message went through: the session is kept for the next message unless it is used up, the
   * pool is closed, or idle and busy sessions already fill the host's limit; then the slot is freed
   * (a hand-over waiting for it finds the session idle).
   */
  give(lease: Lease): void {
    const { entry, free } = lease as Lease & { entry: Entry; free: () => void };
    entry.uses += 1;
    const spent = entry.uses >= this.o.maxMessages || this.now() - entry.openedAt >= this.o.maxAgeMs;
    const limit = this.limits?.connections ?? Infinity;
    const full = this.idleOn(entry.host) + (this.limits?.busy(entry.host) ?? 1) > limit;
    if (spent || full || this.closing.signal.aborted || !entry.session.dialog.reusable) {
      this.leave(entry);
    } else {
      entry.session.dialog.rebind(this.closing.signal);
      entry.idleTimer = setTimeout(() => this.leave(entry), this.o.idleMs);
      entry.idleTimer.unref();
      const list = this.idle.get(entry.key) ?? [];
      list.push(entry);
      this.idle.set(entry.key, list);
    }
    free();
  }

  /** Idle sessions now, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle session (agent shutdown); sessions in use are closed when given back. */
  close(): void {
    this.closing.abort();
    for (const list of [...this.idle.values()]) for (const entry of [...list]) this.leave(entry);
  }

  private lease(entry: Entry, release: () => void): Lease {
    let held = true;
    const free = () => {
      if (!held) return;
      held = false;
      release();
    };
    return {
      ...{ session: entry.session, uses: entry.uses, entry, free },
      discard: () => {
        this.remove(entry);
        entry.session.dialog.close();
        free();
      },
    } as Lease;
  }

  private idleOn(host: string): number {
    let n = 0;
    for (const list of this.idle.values()) for (const e of list) if (e.host === host) n += 1;
    return n;
  }

  private remove(entry: Entry): void {
    clearTimeout(entry.idleTimer);
    const list = this.idle.get(entry.key);
    const i = list?.indexOf(entry) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    if (list && list.length === 0) this.idle.delete(entry.key);
  }

  /** Out of the pool; QUIT without waiting for the answer longer than 1 s. */
  private leave(entry: Entry): void {
    this.remove(entry);
    const { dialog } = entry.session;
    if (!dialog.reusable) return dialog.close();
    dialog.rebind(AbortSignal.timeout(1000));
    void dialog
      .quit()
      .catch(() => undefined)
      .finally(() => dialog.close());
  }
}
