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
 * `maxMessages` messages and lives at most `maxAgeMs`; it keeps its slot of `agent.hostLimits
 * .connections` while open (idle included), and is closed rather than kept when another probe waits
 * for a slot on its host. One the server closed or spoke on while idle is never reused.
 */

/** How long and how much one session may be reused; defaults in {@link DEFAULT_POOL}. */
export interface PoolOptions {
  idleMs: number;
  maxMessages: number;
  maxAgeMs: number;
}

/** Defaults: a minute-interval probe finds its session still open; a session is re-made every 100 messages. */
export const DEFAULT_POOL: PoolOptions = { idleMs: 90_000, maxMessages: 100, maxAgeMs: 10 * 60_000 };

/** One open session and the host slot it holds; given back with {@link SmtpPool.give} or {@link Lease.discard}. */
export interface Lease {
  readonly session: SmtpSession;
  /** Messages this session has carried before this one. */
  readonly uses: number;
  /** Closes the session and frees its host slot; safe to call twice. */
  discard(): void;
}

interface Held extends Lease {
  uses: number;
  key: string;
  host: string;
  openedAt: number;
  idleTimer?: NodeJS.Timeout;
}

/** Milliseconds on a monotonic clock. */
type Now = () => number;

/** The idle sessions of one agent's delivery probes. */
export class SmtpPool {
  private readonly idle = new Map<string, Held[]>();
  /** Idle sessions are bound to this signal: it never fires before close(). */
  private readonly closing = new AbortController();

  constructor(
    private readonly limits: HostLimits | undefined,
    private readonly o: PoolOptions = DEFAULT_POOL,
    private readonly now: Now = () => performance.now(),
  ) {}

  /** An idle session for `key` (service and login) that can take a transaction now, or undefined. */
  take(key: string, signal: AbortSignal): Lease | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const held = list.pop()!;
      clearTimeout(held.idleTimer);
      if (held.session.dialog.reusable && this.now() - held.openedAt < this.o.maxAgeMs) {
        held.session.dialog.rebind(signal);
        return held;
      }
      held.discard();
    }
    return undefined;
  }

  /**
   * A session just opened by a hand-over, holding the slot `release` frees: its lease, to give back
   * after the message or to discard on failure.
   */
  lease(key: string, host: string, session: SmtpSession, release: () => void): Lease {
    let open = true;
    const held: Held = {
      ...{ key, host, session, uses: 0, openedAt: this.now() },
      discard: () => {
        if (!open) return;
        open = false;
        clearTimeout(held.idleTimer);
        this.remove(held);
        session.dialog.close();
        release();
      },
    };
    return held;
  }

  /**
   * The message went through: keep the session for the next one, unless it is used up, the pool
   * is closed, or another hand-over waits for a slot on its host (then it is closed politely).
   */
  give(lease: Lease): void {
    const held = lease as Held;
    held.uses += 1;
    const spent = held.uses >= this.o.maxMessages || this.now() - held.openedAt >= this.o.maxAgeMs;
    const wanted = (this.limits?.queued(held.host) ?? 0) > 0;
    if (spent || wanted || this.closing.signal.aborted || !held.session.dialog.reusable) {
      this.leave(held);
      return;
    }
    held.session.dialog.rebind(this.closing.signal);
    held.idleTimer = setTimeout(() => {
      this.remove(held);
      this.leave(held);
    }, this.o.idleMs);
    held.idleTimer.unref();
    const list = this.idle.get(held.key) ?? [];
    list.push(held);
    this.idle.set(held.key, list);
  }

  /** Idle sessions now, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle session (agent shutdown); sessions in use are discarded when given back. */
  close(): void {
    this.closing.abort();
    for (const list of [...this.idle.values()]) for (const held of [...list]) this.leave(held);
  }

  private remove(held: Held): void {
    const list = this.idle.get(held.key);
    const i = list?.indexOf(held) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    if (list && list.length === 0) this.idle.delete(held.key);
  }

  /** QUIT without waiting for the answer (at most 1 s), then the slot is free. */
  private leave(held: Held): void {
    this.remove(held);
    const { dialog } = held.session;
    if (!dialog.reusable) return held.discard();
    dialog.rebind(AbortSignal.timeout(1000));
    void dialog
      .quit()
      .catch(() => undefined)
      .finally(() => held.discard());
  }
}
