import type { Clock } from "../../contract/clock.js";
import type { Logger } from "../../contract/log.js";
import type { Elapsed, InFlight, InFlightRow } from "./inflight.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import { arrivedResult, lostResult, type Seen } from "./result.js";
import type { MailboxArrival, Verdict } from "./watch.js";

/**
 * Matches arrivals (sink, mailbox watchers) to in-flight messages. A match takes the message and
 * writes its result in one transaction; a second sighting of the same token finds nothing, so a
 * message is never counted twice. An arrival that beats the 250 (the row exists, not yet confirmed)
 * is held until the send confirms it. It also decides which unknown probe messages are stale.
 */
export class Arrivals {
  private readonly early = new Map<string, Seen>();

  constructor(
    private readonly o: {
      inflight: InFlight;
      clock: Clock;
      vantage: string;
      log: Logger;
      /** A probe of another agent older than this (by its Date header) is stale and deleted. */
      staleAfterMs: number;
      published(result: DeliveryResult): void;
    },
  ) {}

  /**
   * Takes the message if it is in flight: "taken"; held until confirmed: "pending"; else "unknown".
   * `durable: false` for a message still in a mailbox, whose watcher settles before deleting it
   * ({@link InFlight.take}).
   */
  arrive(token: string, seen: Seen, durable = true): "taken" | "pending" | "unknown" {
    const { inflight } = this.o;
    // taken first: the usual case costs one statement, not a look-up before it
    const build = (r: InFlightRow) => arrivedResult(r, inflight.elapsed(r, seen.at), seen);
    const result = inflight.take(token, build, durable);
    if (result) {
      this.o.published(result);
      return "taken";
    }
    const row = inflight.get(token);
    if (!row || row.sentWall !== undefined || row.bootId !== inflight.bootId) return "unknown";
    this.early.set(token, seen);
    return "pending";
  }

  /** The send of `token` was confirmed: an arrival held for it is taken now. */
  confirmed(token: string): void {
    const seen = this.early.get(token);
    this.early.delete(token);
    if (seen) this.arrive(token, seen);
  }

  /** The send of `token` failed: an arrival held for it is dropped. */
  forget(token: string): void {
    this.early.delete(token);
  }

  /**
   * A watcher's report. Probes in flight are taken and deleted; this agent's unknown probes (late
   * after their loss, sent before a crash, seen twice) are stale and deleted; another agent's are left
   * to it unless they are older than any loss timeout.
   */
  readonly fromMailbox = (a: MailboxArrival): Verdict => {
    const seen = {
      at: a.at,
      boundSeconds: a.boundSeconds,
      detection: a.detection,
      hops: a.hops,
      spam: a.folder === "junk",
    };
    if (this.arrive(a.token, seen, false) !== "unknown") return "delete";
    if (a.vantage === undefined || a.vantage === this.o.vantage) {
      this.o.log.info({ token: a.token, folder: a.folder }, "stale probe message deleted");
      return "delete";
    }
    const age = this.o.clock.now() - (a.date ?? this.o.clock.now());
    return age > this.o.staleAfterMs ? "delete" : "keep";
  };

  /** The lost result of an expired message (7.1.12). */
  readonly lost = (row: InFlightRow, age: Elapsed): DeliveryResult => lostResult(row, age);
}
