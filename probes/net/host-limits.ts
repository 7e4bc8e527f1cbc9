import { retryDelay } from "../../contract/backoff.js";
import { codedError } from "../../contract/errors.js";

/**
 * How hard one agent may press on one target host, so thousands of probe mailboxes never look like
 * an attack on the operator's servers: at most `connections` short sessions (probe hand-overs) at
 * once, logins spaced at least 1/`loginsPerSecond` apart (hand-overs with AUTH, mailbox watchers
 * logging in or back in), and a pause, doubling while it repeats, when the host itself asks for one
 * (IMAP `[LIMIT]`/`[UNAVAILABLE]`, SMTP 421 or another 4xx before DATA). Config `agent.hostLimits`.
 */

/** The limits per target host (config `agent.hostLimits`). */
export interface HostLimitOptions {
  /** Short sessions (probe hand-overs) open at once per host. */
  connections: number;
  /** Logins per second per host; successive logins are spaced evenly. */
  loginsPerSecond: number;
  /** First pause after the host asked for one; doubles per repeat, up to `maxBackOffMs`. */
  backOffMs?: number;
  maxBackOffMs?: number;
}

/** A host's state: open sessions, who waits for one, the next login time, the current pause. */
interface Host {
  open: number;
  waiting: (() => void)[];
  nextLogin: number;
  pausedUntil: number;
  streak: number;
  reason: string;
}

/** Milliseconds on a monotonic clock (performance.now by default; tests pass their own). */
type Now = () => number;

/** The limits of one agent, shared by every probe that talks to the same host. */
export class HostLimits {
  private readonly hosts = new Map<string, Host>();

  constructor(
    private readonly o: HostLimitOptions,
    private readonly now: Now = () => performance.now(),
  ) {}

  /**
   * Waits for a session slot on `host` (and a login turn when `login`), after any pause the host
   * asked for; returns the function that frees the slot. Rejects with a `timeout` error naming the
   * limit when `signal` aborts first, so a probe that never got to connect says why.
   */
  async session(host: string, login: boolean, signal?: AbortSignal): Promise<() => void> {
    const h = this.host(host);
    await this.slot(h, host, signal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      h.open -= 1;
      h.waiting.shift()?.();
    };
    try {
      await this.pause(h, host, signal);
      if (login) await this.loginTurn(h, host, signal);
      return release;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Waits for a login turn on `host` after any pause: for long-lived connections (watchers). */
  async login(host: string, signal?: AbortSignal): Promise<void> {
    const h = this.host(host);
    await this.pause(h, host, signal);
    await this.loginTurn(h, host, signal);
  }

  /**
   * Waits out any pause the host asked for, taking nothing: a probe reusing a session it already
   * holds (delivery probes' SMTP pool) honours the host's back-off like a new one.
   */
  async resume(host: string, signal?: AbortSignal): Promise<void> {
    await this.pause(this.host(host), host, signal);
  }

  /** Hand-overs holding a session slot on `host` now: idle pooled sessions must fit beside them. */
  busy(host: string): number {
    return this.hosts.get(host)?.open ?? 0;
  }

  /** The session limit per host (config `agent.hostLimits.connections`). */
  get connections(): number {
    return this.o.connections;
  }

  /**
   * The host asked us to back off (`reason`, e.g. "[UNAVAILABLE]" or "421 4.7.0 ..."): no new session
   * or login to it for a while, doubling per repeat. Returns the pause in ms.
   */
  backOff(host: string, reason: string): number {
    const h = this.host(host);
    h.streak += 1;
    const ms = retryDelay(h.streak, this.o.backOffMs ?? 5000, this.o.maxBackOffMs ?? 300_000);
    h.pausedUntil = Math.max(h.pausedUntil, this.now() + ms);
    h.reason = reason;
    return ms;
  }

  /** The host served us normally: the next back-off starts short again. */
  ok(host: string): void {
    const h = this.hosts.get(host);
    if (h) h.streak = 0;
  }

  /** Milliseconds until `host` accepts new sessions again (0 when not paused), for logs and tests. */
  pausedFor(host: string): number {
    const h = this.hosts.get(host);
    return h ? Math.max(0, h.pausedUntil - this.now()) : 0;
  }

  private host(name: string): Host {
    let h = this.hosts.get(name);
    if (!h) {
      h = { open: 0, waiting: [], nextLogin: -Infinity, pausedUntil: -Infinity, streak: 0, reason: "" };
      this.hosts.set(name, h);
    }
    return h;
  }

  private async slot(h: Host, host: string, signal?: AbortSignal): Promise<void> {
    if (h.open < this.o.connections) {
      h.open += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        h.open += 1;
        resolve();
      };
      const onAbort = () => {
        h.waiting = h.waiting.filter((w) => w !== grant);
        reject(
          codedError("timeout", `no connection slot to ${host} in time (${this.o.connections} open at once)`),
        );
      };
      h.waiting.push(grant);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private async pause(h: Host, host: string, signal?: AbortSignal): Promise<void> {
    const wait = h.pausedUntil - this.now();
    if (wait > 0) await sleep(wait, signal, () => `${host} asked us to back off (${h.reason})`);
  }

  private async loginTurn(h: Host, host: string, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const at = Math.max(now, h.nextLogin);
    h.nextLogin = at + 1000 / this.o.loginsPerSecond;
    if (at > now)
      await sleep(at - now, signal, () => `no login turn at ${host} in time (${this.o.loginsPerSecond}/s)`);
  }
}

/** Resolves after `ms`; rejects with a `timeout` error saying `why()` when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined, why: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(codedError("timeout", why()));
    const onAbort = () => {
      clearTimeout(timer);
      reject(codedError("timeout", why()));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
