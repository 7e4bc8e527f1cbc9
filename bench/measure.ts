import { mkdtempSync, rmSync, statfsSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

/**
 * What every bench shares: the shape of a figure, the clock (wall and CPU), the scratch directory
 * on the disk under test, and the facts about the machine a figure means nothing without.
 * Benches measure and print; nothing here asserts a timing (tests never do either).
 */

/** One printed figure. `value` is already rounded for reading; `note` says how it was obtained. */
export interface Figure {
  readonly bench: string;
  readonly metric: string;
  readonly value: number | string;
  readonly unit: string;
  readonly note?: string;
}

/** Makes the figures of `bench`: a metric, its value and unit, and how it was obtained if said. */
export function figureMaker(
  bench: string,
): (metric: string, value: Figure["value"], unit: string, note?: string) => Figure {
  return (metric, value, unit, note) => ({ bench, metric, value, unit, ...(note ? { note } : {}) });
}

/** Where a bench may write, and how loud it may be: passed in so benches hold no globals. */
export interface BenchContext {
  /** A directory on the disk being measured; the bench makes its own subdirectory in it. */
  readonly baseDir: string;
  /** Progress lines (stderr), so the figures on stdout stay a clean table. */
  readonly log: (line: string) => void;
}

/** A bench as bench/run.ts lists it: a name to select it by and a function returning its figures. */
export interface Bench {
  readonly name: string;
  /** One line: what question the bench answers. */
  readonly question: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** Wall and CPU time of one measured section, in seconds. */
export interface Timing {
  readonly wallSeconds: number;
  /** User + system CPU of the whole process (every thread, libuv's pool included). */
  readonly cpuSeconds: number;
}

/** Runs `work` and returns its value with the wall and process CPU time it took. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; timing: Timing }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, timing: { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 } };
}

/** Rounds to `digits` significant digits: figures are read by people, not compared bit for bit. */
export function sig(x: number, digits = 3): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/** The median of a non-empty list (repeated runs report it, so one hiccup does not decide). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The `q` quantile (0..1) of a non-empty list, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** A fresh directory under `base` that {@link scratch}'s `remove` deletes whatever happened. */
export function scratch(base: string, name: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(base, `mailsla-bench-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The bench directory: MAILSLA_BENCH_DIR, else the system's temporary directory. */
export function benchBaseDir(): string {
  return process.env.MAILSLA_BENCH_DIR ?? tmpdir();
}

// statfs(2) magic numbers of the filesystems a bench is likely to meet.
const FS_TYPES: Record<number, string> = {
  0xef53: "ext4",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0x01021994: "tmpfs (RAM: fsync costs nothing)",
  0x794c7630: "overlayfs",
  0x2fc12fc1: "zfs",
  0x6969: "nfs",
};

/**
 * The machine facts printed above the figures: a benchmark without them cannot be compared. The
 * load average (at the start and now) says whether other work shared the CPUs meanwhile.
 */
export function machineFacts(baseDir: string, loadAtStart: readonly number[]): Record<string, string> {
  const fs = statfsSync(baseDir);
  const type = FS_TYPES[Number(fs.type)] ?? `statfs type 0x${Number(fs.type).toString(16)}`;
  return {
    cpus: `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? "unknown"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    "load average": `${loadAtStart.map((l) => l.toFixed(1)).join(" ")} at start, ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at end (1, 5, 15 min)`,
    node: process.version,
    sqlite: sqliteVersion(),
    "bench dir": `${baseDir} (${type}, ${((Number(fs.bavail) * Number(fs.bsize)) / 2 ** 30).toFixed(0)} GiB free)`,
  };
}

/** The SQLite that better-sqlite3 bundles (its own build, not the system's library). */
function sqliteVersion(): string {
  const db = new Database(":memory:");
  try {
    return (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  } finally {
    db.close();
  }
}
