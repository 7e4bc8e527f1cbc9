import type { Logger } from "../../contract/log.js";

/**
 * One login slot per POP3 account, shared by everything in this agent that logs in to it (the pop3
 * check and the delivery watcher). A POP3 server may allow one login per account per interval (RFC
 * 2449 LOGIN-DELAY; Cyrus's `popminpoll`, Debian's default one a minute) and locks the maildrop per
 * session ([IN-USE]): the slot runs one session at a time, starts no login before the advertised
 * delay since the last one has passed, and alternates between the check and the watcher when both
 * wait, so neither starves the other.
 */

/** Who asks for a login: the turns alternate between the two. */
export type SlotUser = "check" | "watcher";

/** A granted login turn: report the login, then release it when the session is over. */
export interface SlotLease {
  /** The server accepted the login now: the next one waits the delay from here. */
  loggedIn(): void;
  /** The server refused the login by its rate policy ([LOGIN-DELAY]): wait a delay from now. */
  refused(): void;
  /** The session is over (QUIT, error or abort): the next waiter may go. */
  release(): void;
}

/** Added to the advertised delay: servers count in whole seconds from a moment before our +OK. */
const MARGIN_MS = 1000;
/** Assumed delay after a [LOGIN-DELAY] refusal when the server announced none in CAPA. */
const UNANNOUNCED_DELAY_MS = 60_000;

interface Waiter {
  user: SlotUser;
  /** Monotonic ms after which the waiter no longer wants the turn. */
  deadline: number;
  resolve(lease: SlotLease | undefined): void;
}

/** A configured user of a slot, to warn when its interval cannot be served. */
interface Plan {
  who: string;
  intervalMs: number;
}

/** The login slot of one account on one server: see the module comment. */
export class LoginSlot {
  /** The server's advertised LOGIN-DELAY, ms (0 until known or when none). */
  private delayMs = 0;
  private lastLogin = -Infinity;
  private lastUser: SlotUser | undefined;
  private notBefore = -Infinity;
  private busy = false;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly plans: Plan[] = [];
  private warned = false;
  private log: Logger | undefined;

  constructor(
    readonly key: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The advertised delay, ms: the watcher polls no more often than this. */
  get loginDelayMs(): number {
    return this.delayMs;
  }

  /**
   * Records the LOGIN-DELAY a server announced in CAPA; the first time it is known, warns about
   * every planned user whose configured interval is shorter (it cannot log in that often).
   */
  announce(delayMs: number): void {
    this.delayMs = delayMs;
    this.warnIfTooFrequent();
  }

  /** Declares a configured user (a check's interval, a watcher's poll interval) for the warning. */
  plan(who: string, intervalMs: number, log: Logger): void {
    this.plans.push({ who, intervalMs });
    this.log = log;
    this.warnIfTooFrequent();
  }

  private warnIfTooFrequent(): void {
    if (this.warned || this.delayMs <= 0 || !this.log) return;
    const tooShort = this.plans.filter((p) => p.intervalMs < this.delayMs);
    const shared = this.plans.length > 1 && this.plans.some((p) => p.intervalMs < 2 * this.delayMs);
    if (tooShort.length === 0 && !shared) return;
    this.warned = true;
    this.log.warn(
      {
        account: this.key,
        loginDelaySeconds: this.delayMs / 1000,
        users: this.plans.map((p) => `${p.who} every ${p.intervalMs / 1000} s`),
      },
      "the POP3 server allows one login per account per LOGIN-DELAY; configured intervals ask for more: " +
        "checks that cannot log in in time are reported as login-delay (not counted) and the watcher polls " +
        "less often. Give the check and the watcher intervals of at least twice the delay, or separate accounts",
    );
  }

  /**
   * Waits for this user's turn: the previous session over and the delay since the last login passed.
   * Resolves undefined when the turn cannot come before `deadline` (monotonic ms) or on abort.
   */
  acquire(user: SlotUser, deadline: number, signal?: AbortSignal): Promise<SlotLease | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      // the signal outlives the wait (the watcher's whole life): its listener goes when the wait ends
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        settle(undefined);
      };
      const settle = (lease: SlotLease | undefined) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(lease);
      };
      const waiter: Waiter = { user, deadline, resolve: settle };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** When the next login may start (monotonic ms). */
  freeAt(): number {
    const spacing = this.delayMs > 0 ? this.lastLogin + this.delayMs + MARGIN_MS : -Infinity;
    return Math.max(spacing, this.notBefore);
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.busy || this.waiters.length === 0) return;
    const now = this.now();
    const at = Math.max(now, this.freeAt());
    // whoever cannot be served before giving up is told so now
    for (const w of this.waiters.filter((x) => x.deadline < at)) w.resolve(undefined);
    this.waiters = this.waiters.filter((x) => x.deadline >= at);
    if (this.waiters.length === 0) return;
    if (at > now) {
      this.timer = setTimeout(() => this.pump(), at - now);
      this.timer.unref?.();
      return;
    }
    const next = this.waiters.find((w) => w.user !== this.lastUser) ?? this.waiters[0]!;
    this.waiters = this.waiters.filter((w) => w !== next);
    this.busy = true;
    let released = false;
    next.resolve({
      loggedIn: () => {
        this.lastLogin = this.now();
        this.lastUser = next.user;
      },
      refused: () => {
        this.notBefore = this.now() + (this.delayMs || UNANNOUNCED_DELAY_MS) + MARGIN_MS;
      },
      release: () => {
        if (released) return;
        released = true;
        this.busy = false;
        this.pump();
      },
    });
  }
}

/** The slots of this process, one per account on one server (host, port, username). */
const slots = new Map<string, LoginSlot>();

/** The shared slot of an account: the check and the watcher of the same mailbox get the same one. */
export function loginSlot(host: string, port: number, username: string): LoginSlot {
  const key = `${username}@${host}:${port}`;
  let slot = slots.get(key);
  if (!slot) slots.set(key, (slot = new LoginSlot(key)));
  return slot;
}
