/**
 * The one-command demo's scripted schedule: `mailsla run` without a configuration plays these steps
 * against the built-in demo target, so that within a minute the status page shows what the product
 * is for: a fault, a maintenance window announced too late (6.1.6), and delivery delays. Times are
 * relative to the start; the clock is injected, so a test plays the whole schedule in milliseconds.
 * `MAILSLA_DEMO_SCRIPT=off` leaves the target healthy.
 */
import type { DemoTarget } from "./target.js";

/** What a step may switch on the target. */
export type DemoControls = Pick<DemoTarget, "setFault" | "setDeliveryDelay">;

/** A maintenance declaration as the collector's admin API takes it (POST /api/v1/maintenance). */
export interface MaintenanceDeclaration {
  readonly start: number;
  readonly end: number;
  readonly services?: readonly string[];
  readonly description: string;
}

/** The collector's answer to a declaration: the window's id and its notice judged against 6.1.6. */
export interface DeclaredWindow {
  readonly id: string;
  readonly noticeHours: number;
  readonly lateNotice: boolean;
}

/** The part of the collector's admin API the script uses; {@link adminClient} is the HTTP one. */
export interface DemoAdmin {
  declareMaintenance(d: MaintenanceDeclaration): Promise<DeclaredWindow>;
}

/** What a step acts on: the target, the admin API, and the script's start (Unix ms). */
export interface StepContext {
  readonly target: DemoControls;
  readonly admin: DemoAdmin;
  readonly startedAt: number;
}

/** One scripted step: when (ms after the start), what it does in words (logged), and the doing. */
export interface DemoStep {
  readonly at: number;
  readonly say: string;
  run(ctx: StepContext): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
}

/** Names in the demo configuration (demo/config.ts) that the steps refer to. */
export const DEMO_SUBMISSION_SERVICE = "demo-submission";

const S = 1000;

/**
 * The schedule. With the demo's 10 s check interval, 2 consecutive failures and a quorum of 1, a
 * service switched off is down from its first failed check, known after its second: the submission
 * refusal is seen from about +30 s, the IMAP outage from about +45 s. The first receiving probe
 * (sent within 3 s of the start) arrives after the 20 s hold, so a delay figure exists by +25 s.
 */
export const DEMO_SCRIPT: readonly DemoStep[] = [
  {
    at: 0,
    say: "delivery delay: the demo MX holds incoming mail for 20 s before it reaches the mailbox (7.1.9)",
    run: ({ target }) => target.setDeliveryDelay(20 * S),
  },
  {
    at: 5 * S,
    say: `maintenance window declared for ${DEMO_SUBMISSION_SERVICE} from +10 s to +50 s, announced now: late notice (6.1.6 asks for 24 h)`,
    run: async ({ admin, startedAt }) => {
      const w = await admin.declareMaintenance({
        start: startedAt + 10 * S,
        end: startedAt + 50 * S,
        services: [DEMO_SUBMISSION_SERVICE],
        description: "mailsla demo: submission upgrade, announced late",
      });
      return { window: w.id, noticeHours: Number(w.noticeHours.toFixed(4)), lateNotice: w.lateNotice };
    },
  },
  {
    at: 15 * S,
    say: "submission refuses AUTH for 25 s, inside the maintenance window",
    run: ({ target }) => target.setFault("submission", "refuse"),
  },
  {
    at: 25 * S,
    say: "IMAP down for 40 s: a fault (quorum 1, 2 consecutive failures)",
    run: ({ target }) => target.setFault("imap", "down"),
  },
  {
    at: 40 * S,
    say: "submission accepts AUTH again",
    run: ({ target }) => target.setFault("submission", "none"),
  },
  {
    at: 65 * S,
    say: "IMAP back up: the fault ends at its next successful check",
    run: ({ target }) => target.setFault("imap", "none"),
  },
  {
    at: 90 * S,
    say: "delivery delay over: the demo MX delivers at once; the script is done, the demo runs healthy",
    run: ({ target }) => target.setDeliveryDelay(0),
  },
];

/** Timers, injected: the system's by default, a test's to play the schedule without waiting. */
export interface ScriptClock {
  now(): number;
  /** Calls `fn` after `ms`; returns the cancel. */
  after(ms: number, fn: () => void): () => void;
}

/** The host's clock; timers never keep the process alive on their own. */
export const systemScriptClock: ScriptClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** What became of one step, as logged. */
export interface StepOutcome {
  readonly at: number;
  readonly say: string;
  readonly ok: boolean;
  readonly detail?: Record<string, unknown>;
  readonly error?: string;
}

/** Where the script writes each step: the process logger in `mailsla run`, an array in tests. */
export type StepLog = (outcome: StepOutcome) => void;

/** A running script. */
export interface DemoScript {
  /** Cancels the steps not yet played. */
  stop(): void;
  /** Resolves with every outcome once the last step played (never, if stopped before). */
  readonly done: Promise<StepOutcome[]>;
}

/** Options of {@link startDemoScript}. */
export interface DemoScriptOptions {
  readonly target: DemoControls;
  readonly admin: DemoAdmin;
  readonly log: StepLog;
  readonly clock?: ScriptClock;
  readonly steps?: readonly DemoStep[];
}

/**
 * Plays `steps` from now, in order. A step that fails is logged and the script goes on: the demo
 * must keep running whatever one step met (a collector still starting, say).
 */
export function startDemoScript(o: DemoScriptOptions): DemoScript {
  const clock = o.clock ?? systemScriptClock;
  const steps = [...(o.steps ?? DEMO_SCRIPT)].sort((a, b) => a.at - b.at);
  const startedAt = clock.now();
  const ctx: StepContext = { target: o.target, admin: o.admin, startedAt };
  const outcomes: StepOutcome[] = [];
  let finish: (all: StepOutcome[]) => void = () => undefined;
  const done = new Promise<StepOutcome[]>((resolve) => (finish = resolve));
  let left = steps.length;
  if (left === 0) finish(outcomes);
  // Steps play one after another, so the log reads in schedule order even when one waits on HTTP.
  let queue = Promise.resolve();
  const play = (step: DemoStep): void => {
    queue = queue.then(async () => {
      const outcome = await runStep(step, ctx);
      outcomes.push(outcome);
      o.log(outcome);
      if (--left === 0) finish(outcomes);
    });
  };
  const cancels = steps.map((step) =>
    clock.after(Math.max(0, startedAt + step.at - clock.now()), () => play(step)),
  );
  return { stop: () => cancels.forEach((cancel) => cancel()), done };
}

async function runStep(step: DemoStep, ctx: StepContext): Promise<StepOutcome> {
  try {
    const detail = (await step.run(ctx)) ?? undefined;
    return { at: step.at, say: step.say, ok: true, ...(detail ? { detail } : {}) };
  } catch (err) {
    return { at: step.at, say: step.say, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The admin API over HTTP with the admin token: how the script declares maintenance. */
export function adminClient(baseUrl: string, token: string): DemoAdmin {
  return {
    async declareMaintenance(d) {
      const res = await fetch(new URL("/api/v1/maintenance", baseUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(d),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as {
        window?: { id: string };
        noticeHours?: number;
        lateNotice?: boolean;
      };
      if (res.status !== 201 || !body.window) {
        throw new Error(`declaring maintenance: HTTP ${res.status} ${JSON.stringify(body)}`);
      }
      return {
        id: body.window.id,
        noticeHours: body.noticeHours ?? NaN,
        lateNotice: body.lateNotice ?? false,
      };
    },
  };
}
