import type { ServiceConfig } from "../config/services.js";
import type { Clock } from "../contract/clock.js";
import type { ProbeResult } from "../contract/result.js";

/** One service on the agent's timetable, with its own interval and timeout. */
export interface ScheduledCheck {
  service: ServiceConfig;
  intervalMs: number;
  timeoutMs: number;
}

/** How the scheduler runs checks and hands their results on. */
export interface SchedulerOptions {
  checks: readonly ScheduledCheck[];
  /** Most checks running at once; the rest wait in order of their due time. */
  concurrency: number;
  /** Up to this share of the interval, each check's first run is delayed at random, spreading load. */
  jitter: number;
  clock: Clock;
  run(check: ScheduledCheck, signal: AbortSignal): Promise<ProbeResult>;
  onResult(result: ProbeResult): void;
  /** Told when handing a result on failed (a sink's bug); the timetable goes on regardless. */
  onError(err: unknown): void;
  random?: () => number;
}

interface Slot {
  check: ScheduledCheck;
  due: number;
  running: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Runs every check at its interval, never two runs of one check at once, never more than
 * `concurrency` in total. The timetable is fixed-rate (due times advance by the interval, not by
 * the run time), so results stay evenly spaced; a run that overruns its slot skips that slot.
 * `stop()` lets running checks finish (they are bounded by their timeout) unless told to abort.
 */
export class Scheduler {
  private readonly slots: Slot[];
  private readonly queue: Slot[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.slots = opts.checks.map((check) => ({ check, due: 0, running: false }));
  }

  /** Puts every check on the timetable, each first run spread by the jitter. */
  start(): void {
    const now = this.opts.clock.now();
    const random = this.opts.random ?? Math.random;
    for (const slot of this.slots) {
      slot.due = now + Math.floor(random() * this.opts.jitter * slot.check.intervalMs);
      this.arm(slot);
    }
  }

  /** Number of checks running now (for the agent's own metrics and tests). */
  get running(): number {
    return this.inFlight.size;
  }

  /**
   * Stops scheduling; waits for running checks. With `abort`, running checks are aborted first
   * and their (incomplete) results are dropped rather than reported as the operator's failures.
   */
  async stop(opts: { abort?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots) clearTimeout(slot.timer);
    this.queue.length = 0;
    if (opts.abort) this.shutdown.abort();
    await Promise.all([...this.inFlight]);
  }

  private arm(slot: Slot): void {
    if (this.stopped) return;
    const delay = Math.max(0, slot.due - this.opts.clock.now());
    slot.timer = setTimeout(() => this.onDue(slot), delay);
  }

  private onDue(slot: Slot): void {
    const now = this.opts.clock.now();
    const interval = slot.check.intervalMs;
    // fixed rate: the next slot after now, skipping slots missed while this one was busy or queued
    slot.due += interval * Math.max(1, Math.ceil((now - slot.due + 1) / interval));
    this.arm(slot);
    if (!slot.running && !this.queue.includes(slot)) this.queue.push(slot);
    this.drain();
  }

  private drain(): void {
    while (!this.stopped && this.inFlight.size < this.opts.concurrency && this.queue.length > 0) {
      const slot = this.queue.shift() as Slot;
      slot.running = true;
      const p: Promise<void> = this.opts
        .run(slot.check, this.shutdown.signal)
        .then((result) => {
          if (!this.shutdown.signal.aborted) this.opts.onResult(result);
        })
        .catch((err: unknown) => this.opts.onError(err))
        .finally(() => {
          slot.running = false;
          this.inFlight.delete(p);
          this.drain();
        });
      this.inFlight.add(p);
    }
  }
}
