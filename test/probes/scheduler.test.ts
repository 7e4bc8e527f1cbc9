import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Service, type ServiceConfig } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import type { ProbeResult } from "../../contract/result.js";
import { Scheduler, type ScheduledCheck } from "../../probes/scheduler.js";

function check(name: string, intervalMs: number): ScheduledCheck {
  const service = Service.parse({ name, kind: "smtp", host: "127.0.0.1" }) as ServiceConfig;
  return { service, intervalMs, timeoutMs: 1000 };
}

function resultOf(c: ScheduledCheck): ProbeResult {
  return {
    id: crypto.randomUUID(),
    check: c.service.name,
    kind: c.service.kind,
    vantage: "t",
    startedAt: Date.now(),
    durationSeconds: 0,
    ok: true,
    phases: {},
  };
}

const rethrow = (err: unknown) => {
  throw err;
};

/** Stops the scheduler, letting the fake clock run so the checks still running can finish. */
async function finish(s: Scheduler): Promise<void> {
  const stopped = s.stop();
  await vi.advanceTimersByTimeAsync(10_000);
  await stopped;
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Scheduler", () => {
  it("runs each check at a fixed rate, spreading first runs by the jitter", async () => {
    const starts: Record<string, number[]> = { a: [], b: [] };
    const s = new Scheduler({
      checks: [check("a", 10_000), check("b", 60_000)],
      concurrency: 4,
      jitter: 0.5,
      clock: systemClock,
      random: () => 0.5,
      run: async (c) => {
        starts[c.service.name]?.push(Date.now() - Date.UTC(2026, 0, 1));
        await new Promise((r) => setTimeout(r, 3000)); // each run takes 3 s: the rate must not drift
        return resultOf(c);
      },
      onResult: () => undefined,
      onError: rethrow,
    });
    s.start();
    await vi.advanceTimersByTimeAsync(125_000);
    await finish(s);
    expect(starts.a).toEqual([
      2500, 12500, 22500, 32500, 42500, 52500, 62500, 72500, 82500, 92500, 102500, 112500, 122500,
    ]);
    expect(starts.b).toEqual([15000, 75000]);
  });

  it("never runs more than `concurrency` checks at once, nor one check twice at once", async () => {
    let running = 0;
    let peak = 0;
    const busy = new Set<string>();
    let overlaps = 0;
    const checks = Array.from({ length: 6 }, (_, i) => check(`c${i}`, 1000));
    const s = new Scheduler({
      checks,
      concurrency: 2,
      jitter: 0,
      clock: systemClock,
      run: async (c) => {
        running++;
        peak = Math.max(peak, running);
        if (busy.has(c.service.name)) overlaps++;
        busy.add(c.service.name);
        await new Promise((r) => setTimeout(r, 2500)); // longer than the interval
        busy.delete(c.service.name);
        running--;
        return resultOf(c);
      },
      onResult: () => undefined,
      onError: rethrow,
    });
    s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    await finish(s);
    expect(peak).toBe(2);
    expect(overlaps).toBe(0);
  });

  it("stop() waits for running checks and reports their results; stop({abort}) drops them", async () => {
    const results: string[] = [];
    const make = () =>
      new Scheduler({
        checks: [check("slow", 60_000)],
        concurrency: 1,
        jitter: 0,
        clock: systemClock,
        run: (c, signal) =>
          new Promise((resolve) => {
            const t = setTimeout(() => resolve(resultOf(c)), 5000);
            signal.addEventListener("abort", () => (clearTimeout(t), resolve(resultOf(c))));
          }),
        onResult: (r) => results.push(r.check),
        onError: rethrow,
      });
    const graceful = make();
    graceful.start();
    await vi.advanceTimersByTimeAsync(10);
    const stopped = graceful.stop();
    await vi.advanceTimersByTimeAsync(5000);
    await stopped;
    expect(results).toEqual(["slow"]);

    const aborted = make();
    aborted.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(aborted.running).toBe(1);
    await aborted.stop({ abort: true });
    expect(results).toEqual(["slow"]);
    expect(aborted.running).toBe(0);
  });

  it("a failing result sink is reported and the timetable goes on", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const s = new Scheduler({
      checks: [check("a", 1000)],
      concurrency: 1,
      jitter: 0,
      clock: systemClock,
      run: async (c) => (runs++, resultOf(c)),
      onResult: () => {
        throw new Error("sink broken");
      },
      onError: (err) => errors.push(err),
    });
    s.start();
    await vi.advanceTimersByTimeAsync(3500);
    await s.stop();
    expect(runs).toBe(4);
    expect(errors).toHaveLength(4);
  });
});
