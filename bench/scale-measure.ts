import { readFileSync } from "node:fs";

/**
 * The readings and statistics of the scale bench (bench/scale.ts), apart from its orchestration:
 * CPU of a process tree across processes that come and go, RSS, quantiles with their
 * distribution-free confidence intervals, and how far each delivery's sends drifted from their
 * fixed-rate timetable.
 */

/** utime + stime and cutime + cstime of one process, in clock ticks (10 ms); undefined once it is gone. */
function ticks(pid: number): { own: number; reaped: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): utime 14, stime 15, cutime 16, cstime 17
    return { own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a daemon's process tree so far, as the difference of two readings measures it:
 * every live process's own CPU plus what each has reaped of its exited children. A child alive at
 * the first reading and gone by the second is counted once, through its parent's reaped time, minus
 * its own time at the first reading: Postfix's smtpd and Dovecot's imap processes come and go.
 */
export function treeCpuSeconds(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    const t = ticks(pid);
    if (t) sum += t.own + t.reaped;
  }
  return sum / 100;
}

/** Resident set size of a process now, in MiB (VmRSS), and its peak so far (VmHWM). */
export function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/**
 * A quantile of a sample with its 95 % confidence interval from order statistics (distribution
 * free: the ranks a binomial(n, q) places around n·q), so a p99 of a few hundred samples says how
 * little it pins down.
 */
export function quantileWithBounds(
  xs: readonly number[],
  q: number,
): { value: number; low: number; high: number } | undefined {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return undefined;
  const at = (rank: number) => s[Math.min(n - 1, Math.max(0, rank))]!;
  const spread = 1.96 * Math.sqrt(n * q * (1 - q));
  return {
    value: at(Math.ceil(n * q) - 1),
    low: at(Math.floor(n * q - spread) - 1),
    high: at(Math.ceil(n * q + spread) - 1),
  };
}

/**
 * How each delivery's sends kept their fixed-rate timetable: the k-th send is due k intervals after
 * the first one seen (the runner skips a slot it missed rather than bunching), so `late` counts sends
 * more than `toleranceMs` after their slot and `skipped` the slots without a send.
 */
export function timetable(
  sendsByDelivery: ReadonlyMap<string, readonly number[]>,
  intervalMs: number,
  toleranceMs: number,
): { sends: number; late: number; skipped: number; worstLateMs: number } {
  let sends = 0;
  let late = 0;
  let skipped = 0;
  let worstLateMs = 0;
  for (const list of sendsByDelivery.values()) {
    const s = [...list].sort((a, b) => a - b);
    if (s.length === 0) continue;
    sends += s.length;
    const first = s[0]!;
    for (const t of s) {
      const slot = Math.round((t - first) / intervalMs);
      const lateMs = t - first - slot * intervalMs;
      worstLateMs = Math.max(worstLateMs, lateMs);
      if (lateMs > toleranceMs) late += 1;
    }
    skipped += Math.round((s[s.length - 1]! - first) / intervalMs) + 1 - s.length;
  }
  return { sends, late, skipped, worstLateMs };
}
