import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { MailStack } from "../test/stack/mail-stack.js";
import { median } from "./measure.js";

/**
 * What the three arrival-detection phases of bench/delivery.ts share: the witness of the true
 * delivery time (inotify on a Maildir's new/, in a thread of this process), the mapping
 * of another process's wall clock onto that timeline, the main thread's event-loop delay (which
 * bounds how late a tool's report is stamped), CPU readings, and the shape of one tool's figures.
 */

/** What every phase gets, so the three tools run on the same stack with the same number of probes. */
export interface PhaseContext {
  readonly stack: MailStack;
  readonly probes: number;
  /** A scratch directory of this run (configs, state files). */
  readonly dir: string;
  readonly log: (line: string) => void;
}

/** One tool's measurements, in one shape so bench/delivery.ts can put the tools side by side. */
export interface ToolRun {
  readonly tool: string;
  /** Probes timed (warm-up excluded). */
  readonly probes: number;
  /** Arrival-detection lag of every timed probe that was both witnessed and reported, ms. */
  readonly lagsMs: readonly number[];
  /** CPU seconds (user + system) over `cpuProbes` whole probe cycles. */
  readonly cpuSeconds: number;
  readonly cpuProbes: number;
  /** Where the CPU figure comes from, in a few words (the figure's note in bench/run.ts). */
  readonly cpuSource: string;
  /** How "the tool noticed" was timed, how its CPU was read, and how far off either may be. */
  readonly method: string;
  readonly cpuMethod: string;
  readonly bound: string;
  /**
   * The tool's own words for the timed probes that failed (first few, deduplicated), so a bench that
   * cannot run a side stops with the reason instead of printing a figure from failed runs.
   */
  readonly errors: readonly string[];
}

/** Below this share of successful timed probes a tool's figures are not compared with anything. */
export const MIN_SUCCESS_SHARE = 0.9;

/** Whether a tool's run succeeded often enough for its figures to stand in a ratio. */
export function usable(r: ToolRun): boolean {
  return r.lagsMs.length >= MIN_SUCCESS_SHARE * r.probes;
}

/** Keeps the first `max` distinct error texts of a run, each cut to 500 characters. */
export function keepError(errors: string[], text: string, max = 3): void {
  const t = text.trim().slice(0, 500);
  if (t && errors.length < max && !errors.includes(t)) errors.push(t);
}

/** Both CPU readings of a process at one moment. */
export interface CpuReading {
  stat: number;
  threads: Map<string, bigint>;
  /** Per thread, how many times it was put onto a CPU (schedstat's third field). */
  slices: Map<string, number>;
}

/** CPU seconds between two readings: per-thread nanoseconds if no thread exited, else ticks. */
export interface CpuDelta {
  seconds: number;
  statSeconds: number;
  precise: boolean;
  /**
   * How many times the process's threads were put onto a CPU: each wake-up (a reply, a timer, the
   * end of an fsync's wait) or return from preemption. On this VM each costs about 0.1-0.2 ms of
   * CPU, so it explains much of a tool's CPU; NaN when a thread exited in between.
   */
  slices: number;
}

/** The CPU a process has used so far, read from /proc: the tool alone, never the bench. */
export function cpuReading(pid: number): CpuReading {
  const slices = new Map<string, number>();
  return { threads: threadCpuNanos(pid, slices), slices, stat: procStatCpuSeconds(pid) };
}

/**
 * CPU seconds of a process between two readings: the sum of its threads' schedstat nanoseconds when
 * no thread exited in between (else /proc/<pid>/stat's 10 ms ticks). The same reading for every
 * tool that runs as a long-lived process (mailsla's agent, mailexporter).
 */
export function cpuDelta(a: CpuReading, b: CpuReading): CpuDelta {
  const statSeconds = b.stat - a.stat;
  const precise = [...a.threads.keys()].every((tid) => b.threads.has(tid));
  let nanos = 0n;
  for (const [tid, ns] of b.threads) nanos += ns - (a.threads.get(tid) ?? 0n);
  let slices = 0;
  for (const [tid, n] of b.slices) slices += n - (a.slices.get(tid) ?? 0);
  return {
    seconds: precise ? Number(nanos) / 1e9 : statSeconds,
    statSeconds,
    precise,
    slices: precise ? slices : NaN,
  };
}

/** A message seen appearing in new/: its key (what `keyOf` found in it) and when. */
export interface Sighting {
  readonly key: string;
  /** When the witness's fs.watch callback ran, on this thread's performance.now() timeline. */
  readonly at: number;
}

/** Sightings of one Maildir, awaitable by key or by order of appearance. */
export interface Witness {
  /** When the message with this key appeared; rejects after `timeoutMs`. */
  seen(key: string, timeoutMs: number): Promise<number>;
  /** The `index`-th message that appeared (0-based); rejects after `timeoutMs`. */
  nth(index: number, timeoutMs: number): Promise<Sighting>;
  close(): Promise<void>;
}

/**
 * The witness thread: inotify on new/, the CLOCK_MONOTONIC reading (process.hrtime) taken first
 * thing in the callback, then the file read at once, from new/ or, if an IMAP session has already
 * moved it, from cur/. Plain JavaScript evaluated as a worker, so no TypeScript loader is needed.
 */
const WITNESS_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const dir = workerData;
const names = new Set();
function read(name) {
  let cur = [];
  try { cur = fs.readdirSync(path.join(dir, "cur")).filter((f) => f.startsWith(name)); } catch {}
  for (const p of [path.join(dir, "new", name), ...cur.map((f) => path.join(dir, "cur", f))]) {
    try { return fs.readFileSync(p, "latin1"); } catch {}
  }
  return undefined;
}
const watcher = fs.watch(path.join(dir, "new"), (_event, name) => {
  const at = process.hrtime.bigint();
  if (!name || name.startsWith(".") || names.has(name)) return;
  names.add(name);
  parentPort.postMessage({ at, text: read(name) });
});
parentPort.on("message", () => { watcher.close(); parentPort.close(); });
parentPort.postMessage({ ready: true });
`;

/**
 * The true delivery time of each message: Dovecot's LMTP renames the file into new/ and inotify
 * tells a thread of its own, whose event loop nothing else uses, so a busy main thread (mailsla
 * runs in it) cannot make a sighting late. Exists so every tool's lag is measured against the same
 * independent clock reading, whatever the tool itself reports. Resolves once the watch is set.
 */
export async function watchMaildir(
  maildir: string,
  keyOf: (text: string) => string | undefined,
): Promise<Witness> {
  const sightings: Sighting[] = [];
  const wakers = new Set<() => void>();
  const offset = hrMinusPerf();
  const worker = new Worker(WITNESS_THREAD, { eval: true, workerData: maildir });
  await new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { ready?: true; at?: bigint; text?: string }) => {
      if (m.ready) resolve();
      const key = m.text === undefined ? undefined : keyOf(m.text);
      if (key !== undefined && m.at !== undefined) sightings.push({ key, at: Number(m.at) / 1e6 - offset });
      for (const wake of [...wakers]) wake();
    });
  });
  const when = <T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} in ${maildir}/new within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        wakers.delete(check);
      };
      wakers.add(check);
      check();
    });
  return {
    seen: (key, ms) => when(`message ${key}`, () => sightings.find((s) => s.key === key)?.at, ms),
    nth: (index, ms) => when(`message #${index + 1}`, () => sightings[index], ms),
    close: async () => void (await worker.terminate()),
  };
}

/**
 * process.hrtime (CLOCK_MONOTONIC, the same in every thread and process) minus performance.now()
 * (this thread's origin), in ms: from the tightest of a few bracketing reads, so good to well under
 * a microsecond. Exported so a tool run as a process of its own can put its stamps on the witness's
 * clock.
 */
export function hrMinusPerf(): number {
  let best = { width: Infinity, offset: 0 };
  for (let k = 0; k < 20; k++) {
    const h1 = process.hrtime.bigint();
    const p = performance.now();
    const h2 = process.hrtime.bigint();
    const width = Number(h2 - h1);
    if (width < best.width) best = { width, offset: Number(h1 + h2) / 2e6 - p };
  }
  return best.offset;
}

/**
 * Wall clock minus performance.now(), in ms, good to a few microseconds: Date.now() has whole
 * milliseconds, so the reading is taken right at a millisecond edge (spinning at most ~1 ms per
 * sample). Exists to place another process's CLOCK_REALTIME time stamps on this timeline.
 */
export function wallMinusMono(samples = 5): number {
  const offsets: number[] = [];
  for (let k = 0; k < samples; k++) {
    const start = Date.now();
    let wall = start;
    let mono = performance.now();
    for (let spins = 0; wall === start && spins < 10_000_000; spins++) {
      wall = Date.now();
      mono = performance.now();
    }
    offsets.push(wall - mono);
  }
  return median(offsets);
}

/**
 * Watches the main thread's event-loop delay during a phase. Exists because what a tool reports
 * (onResult, a line on stdout, a scrape) is stamped on that loop: its p99 bounds how late.
 */
export function loopDelay(): { stop(): { p99Ms: number; maxMs: number } } {
  // 1 ms would cost CPU the mailsla phase counts; the histogram holds whole intervals, delay included
  const resolutionMs = 10;
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    stop() {
      h.disable();
      const late = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
      return { p99Ms: late(h.percentile(99)), maxMs: late(h.max) };
    },
  };
}

/**
 * User + system CPU seconds of a live process from /proc/<pid>/stat, in 10 ms clock ticks: the
 * classic whole-process reading, the cross-check of threadCpuNanos and its fallback.
 */
export function procStatCpuSeconds(pid: number, ticksPerSecond = 100): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * On-CPU nanoseconds of each live thread of a process (/proc/<pid>/task/<tid>/schedstat, first
 * field; its third, the times put onto a CPU, into `slices` when given). Exists because /proc/<pid>/stat counts whole 10 ms ticks, too coarse for a process that
 * spends a few ms per probe; the caller must check that no thread exited between two readings.
 */
export function threadCpuNanos(pid: number, slices?: Map<string, number>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
      out.set(tid, BigInt(fields[0]!));
      slices?.set(tid, Number(fields[2]));
    } catch {
      /* the thread exited meanwhile */
    }
  }
  return out;
}

/** Resolves after `ms` (at once if negative): paces probes without keeping the CPU busy. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Formats a delay for the notes with 3 significant digits: they are read by people, not parsed. */
export function ms(x: number): string {
  return `${Number(x.toPrecision(3))} ms`;
}
