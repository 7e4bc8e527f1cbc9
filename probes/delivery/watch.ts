import type { Clock } from "../../contract/clock.js";
import type { Logger } from "../../contract/log.js";
import type { HostLimits } from "../net/host-limits.js";
import type { Instant } from "./inflight.js";
import { probeHeaders } from "./message.js";
import { receivedHops, type Hop } from "./received.js";
import type { Detection } from "../../contract/delivery-result.js";

/**
 * What the mailbox watchers (IMAP, POP3) share: the arrival they report, the verdict they get back,
 * their timing knobs, and a wake-up signal. The receiving delay (7.1.9) ends when the message is
 * visible to the user; a watcher reports when it saw it and how much earlier it may have arrived.
 */

/** A probe message seen in a mailbox. */
export interface MailboxArrival {
  token: string;
  /** The sending agent's vantage point (its header), to leave other agents' probes alone. */
  vantage?: string;
  folder: "inbox" | "junk";
  /** When it was seen. */
  at: Instant;
  /** How much earlier than `at` it may have arrived (the gap since the mailbox was last known without it). */
  boundSeconds: number;
  detection: Detection;
  hops: Hop[];
  /** The Date header, Unix ms: lets stale probes of other agents be recognised by age. */
  date?: number;
}

/** What the watcher does with a probe message after reporting it. */
export type Verdict = "delete" | "keep";

/**
 * How an IMAP mailbox is watched (config `services[].watch.mode`): `auto` uses IDLE as a wake-up and
 * polls (NOOP) at the poll interval while messages are awaited, `idle` relies on IDLE alone between
 * the bursts, `poll` never uses IDLE. The reported bound never depends on the mode being right: it is
 * always the time since the mailbox was last seen without the message.
 */
export type WatchMode = "auto" | "idle" | "poll";

/** Timing of a watcher; defaults in {@link DEFAULT_TUNING}, tests shorten them. */
export interface WatchTuning {
  /** Poll interval of the burst right after a send (IMAP NOOP, POP3 session). */
  burstPollMs: number;
  /** How long the burst lasts after each send or reconnect. */
  burstMs: number;
  /** Set false to rely on IDLE (or the slow poll) alone. */
  burst: boolean;
  /** IMAP: how the mailbox is watched between bursts (see {@link WatchMode}). */
  mode: WatchMode;
  /** Poll interval while messages are awaited: POP3, IMAP without IDLE, IMAP in mode auto. */
  pollMs: number;
  /**
   * IMAP: probe messages taken from the watched mailbox are deleted (UID STORE + UID EXPUNGE, after
   * the durable commit of their takes) this many at a time, or sooner at the keep-alive NOOP or a
   * reconnect's sweep: the two round trips and the fsync per message were a large share of a
   * probe's CPU. At one probe a minute a message stays at most this many minutes.
   */
  deleteBatch: number;
  /** How often the Junk folder is checked while messages are awaited (during a burst: 10x as often). */
  junkCheckMs: number;
  /** IDLE is renewed this often (RFC 2177: under 29 minutes), also when nothing is awaited. */
  idleRenewMs: number;
  /**
   * First reconnect delay; it doubles (with jitter) per failed attempt, up to `reconnectAwaitedMaxMs`
   * while messages are awaited and up to `reconnectMaxMs` otherwise.
   */
  reconnectMs: number;
  reconnectAwaitedMaxMs: number;
  reconnectMaxMs: number;
}

/** Defaults: precise right after a send, cheap while nothing is expected. */
export const DEFAULT_TUNING: WatchTuning = {
  burstPollMs: 25,
  burstMs: 3000,
  burst: true,
  mode: "auto",
  pollMs: 5000,
  junkCheckMs: 30_000,
  deleteBatch: 16,
  idleRenewMs: 4 * 60_000,
  reconnectMs: 250,
  reconnectAwaitedMaxMs: 2000,
  reconnectMaxMs: 60_000,
};

/** What a watcher needs from the runner. */
export interface WatcherDeps {
  clock: Clock;
  log: Logger;
  tuning: WatchTuning;
  /** How many messages taken over are awaited in this mailbox: decides how closely it is watched. */
  awaited(): number;
  /** Reports one probe message; the verdict says whether to delete it. */
  onArrival(arrival: MailboxArrival): Verdict;
  /**
   * Makes what onArrival committed durable; called before deleting messages from the server, so an
   * operating-system crash can never leave a message neither taken nor in the mailbox.
   */
  settle?(): void;
  /** Per-host login spacing and back-off shared with the agent's other probes (`agent.hostLimits`). */
  limits?: HostLimits;
}

/** A running watcher of one mailbox. */
export interface Watcher {
  /** A message was just sent here: watch closely for a while (the burst). */
  expect(): void;
  /** Resolves once the mailbox has been looked at completely for the first time (or on stop). */
  ready(): Promise<void>;
  /** Disconnects and stops; nothing is reported afterwards. */
  stop(): Promise<void>;
}

/** A one-shot wake-up: `wait(ms)` resolves on `notify()` or after `ms`, whichever is first. */
export class Wake {
  private waiters: (() => void)[] = [];

  /** Wakes every current waiter. */
  notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves on the next notify() or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.push(done);
    });
  }
}

/** Turns a fetched header block into the parts of an arrival it determines; undefined for non-probes. */
export function probeOf(
  header: string | Uint8Array,
): { token: string; vantage?: string; hops: Hop[]; date?: number } | undefined {
  const probe = probeHeaders(header);
  if (!probe) return undefined;
  const text = typeof header === "string" ? header : Buffer.from(header).toString("latin1");
  const dateLine = /^date:[ \t]*(.*)$/im.exec(text.split(/\r?\n\r?\n/, 1)[0] ?? "");
  const date = dateLine ? Date.parse(dateLine[1]!) : NaN;
  return {
    ...probe,
    hops: receivedHops(text).slice(0, 30),
    ...(Number.isFinite(date) ? { date } : {}),
  };
}
