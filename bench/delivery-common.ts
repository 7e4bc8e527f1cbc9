import { readdirSync, readFileSync, watch } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { MailStack } from "../test/stack/mail-stack.js";
import { median } from "./measure.js";

/**
 * What the three arrival-detection phases of bench/delivery.ts share: the witness of the true
 * delivery time (inotify on a Maildir's new/, in this process, on performance.now()), the mapping
 * of another process's wall clock onto that timeline, the event-loop delay that bounds the
 * witness's own lateness, and the shape of one tool's figures.
 */

/** What a phase gets: the stack, how many probes to time, where to write, where to report progress. */
export interface PhaseContext {
  readonly stack: MailStack;
  readonly probes: number;
  /** A scratch directory of this run (configs, state files). */
  readonly dir: string;
  readonly log: (line: string) => void;
}

/** One tool's measurements; bench/delivery.ts turns them into the table and the notes. */
export interface ToolRun {
  readonly tool: string;
  /** Probes timed (warm-up excluded). */
  readonly probes: number;
  /** Arrival-detection lag of every timed probe that was both witnessed and reported, ms. */
  readonly lagsMs: readonly number[];
  /** CPU seconds (user + system) over `cpuProbes` whole probe cycles. */
  readonly cpuSeconds: number;
  readonly cpuProbes: number;
  /** How "the tool noticed" was timed, how its CPU was read, and how far off either may be. */
  readonly method: string;
  readonly cpuMethod: string;
  readonly bound: string;
}

/** A message seen appearing in new/: its key (what `keyOf` found in it) and when. */
export interface Sighting {
  readonly key: string;
  /** performance.now() in the fs.watch callback. */
  readonly at: number;
}

/** Sightings of one Maildir, awaitable by key or by order of appearance. */
export interface Witness {
  /** When the message with this key appeared; rejects after `timeoutMs`. */
  seen(key: string, timeoutMs: number): Promise<number>;
  /** The `index`-th message that appeared (0-based); rejects after `timeoutMs`. */
  nth(index: number, timeoutMs: number): Promise<Sighting>;
  /** New files that could not be read in time (moved and deleted before the callback ran). */
  readonly unreadable: number;
  close(): void;
}

/**
 * The true delivery time of each message: Dovecot's LMTP renames the file into new/, inotify tells
 * this process, and the callback takes performance.now() at once. Exists so every tool's lag is
 * measured against the same independent clock reading, whatever the tool itself reports. The file
 * is read right away (from new/ or, if an IMAP session already moved it, cur/) to find its key.
 */
export function watchMaildir(maildir: string, keyOf: (text: string) => string | undefined): Witness {
  const sightings: Sighting[] = [];
  const names = new Set<string>();
  const wakers = new Set<() => void>();
  let unreadable = 0;
  const newDir = join(maildir, "new");
  const watcher = watch(newDir, (_event, name) => {
    const at = performance.now();
    if (!name || name.startsWith(".") || names.has(name)) return;
    names.add(name);
    const text = readMessage(maildir, name);
    const key = text === undefined ? undefined : keyOf(text);
    if (key === undefined) unreadable += text === undefined ? 1 : 0;
    else sightings.push({ key, at });
    for (const wake of [...wakers]) wake();
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
        reject(new Error(`no ${what} in ${newDir} within ${timeoutMs} ms`));
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
    get unreadable() {
      return unreadable;
    },
    close: () => watcher.close(),
  };
}

/** The message file by its new/ name, wherever it is now; undefined if it is gone. */
function readMessage(maildir: string, name: string): string | undefined {
  const candidates = () => [
    join(maildir, "new", name),
    ...readdirSync(join(maildir, "cur"))
      .filter((f) => f.startsWith(name))
      .map((f) => join(maildir, "cur", f)),
  ];
  for (const path of candidates()) {
    try {
      return readFileSync(path, "latin1");
    } catch {
      /* moved or deleted meanwhile: try the next place */
    }
  }
  return undefined;
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
 * Watches this process's event-loop delay during a phase. Exists because the witness's callback
 * can only run when the loop is free: its p99 bounds how late a sighting may be stamped.
 */
export function loopDelay(): { stop(): { p99Ms: number; maxMs: number } } {
  const h = monitorEventLoopDelay({ resolution: 10 }); // 1 ms would cost CPU the mailsla phase counts
  h.enable();
  return {
    stop() {
      h.disable();
      return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
    },
  };
}

/** User + system CPU seconds of a live process from /proc/<pid>/stat (clock ticks). */
export function procCpuSeconds(pid: number, ticksPerSecond = 100): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Formats a delay in ms for notes: 3 significant digits. */
export function ms(x: number): string {
  return `${Number(x.toPrecision(3))} ms`;
}
