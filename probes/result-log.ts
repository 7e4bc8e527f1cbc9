import type { DeliveryResult } from "../contract/delivery-result.js";
import type { Logger } from "../contract/log.js";
import type { ProbeResult } from "../contract/result.js";

/**
 * The agent's log of results, quiet by default: every result at debug, and at info or warn only
 * what changes: a check's or delivery's first failure, the failure that makes this vantage point
 * count it as failing (`thresholds.consecutiveFailures`, where a fault can start), and its
 * recovery. An agent of 30 checks a minute that all pass says nothing after it starts.
 */
export class ResultLog {
  readonly #runs = new Map<string, { failures: number; since: number }>();

  constructor(
    private readonly log: Logger,
    /** Failures in a row before this vantage point counts a service as failing. */
    private readonly confirmAfter: number,
  ) {}

  /** Logs one check result. */
  check(r: ProbeResult): void {
    const fields = { service: r.check, kind: r.kind, seconds: Number(r.durationSeconds.toFixed(3)) };
    if (r.ok) this.log.debug(fields, "check passed");
    else this.log.debug({ ...fields, ...r.error }, "check failed");
    this.step(`check ${r.check}`, r.ok, r.startedAt, { ...fields, ...(r.ok ? {} : r.error) });
  }

  /** Logs one delivery result (delivered, or lost / failed). */
  delivery(r: DeliveryResult): void {
    const fields = { delivery: r.delivery, direction: r.direction, token: r.token, outcome: r.outcome };
    const ok = r.outcome === "delivered";
    if (ok)
      this.log.debug({ ...fields, seconds: r.delaySeconds, bound: r.errorBoundSeconds }, "probe delivered");
    else this.log.debug({ ...fields, ...r.error, age: r.ageSeconds }, `probe ${r.outcome}`);
    this.step(`delivery ${r.delivery}`, ok, r.sentAt, { ...fields, ...(ok ? {} : r.error) });
  }

  /** Advances one run of failures and logs its first failure, its confirmation and its end. */
  private step(what: string, ok: boolean, at: number, fields: object): void {
    const run = this.#runs.get(what);
    if (ok) {
      if (!run) return;
      this.#runs.delete(what);
      const seconds = Math.round((at - run.since) / 1000);
      this.log.info(
        { ...fields, failures: run.failures, seconds },
        `${what} recovered after ${run.failures} failure(s)`,
      );
      return;
    }
    const failures = (run?.failures ?? 0) + 1;
    this.#runs.set(what, { failures, since: run?.since ?? at });
    if (failures === 1) this.log.warn(fields, `${what} failed (first failure)`);
    if (failures === this.confirmAfter && failures > 1)
      this.log.warn(
        { ...fields, failures },
        `${what} failing: ${failures} failures in a row, this vantage point counts it down`,
      );
  }
}
