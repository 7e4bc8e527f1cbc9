/**
 * Child processes for the command-line tests: start one, wait for a line of its output, find all
 * its descendants (the tree a signal must stop), and wait for pids to be gone.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root (where package.json and dist/ are). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A started child and everything it printed so far. */
export interface Started {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  /** Resolves with stderr+stdout once `re` matches it; rejects when the child exits first or after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** SIGTERM (unless gone) and wait for the exit; SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
}

/** Spawns `cmd args` with piped output. */
export function start(cmd: string, args: string[], opts: SpawnOptions = {}): Started {
  const child = spawn(cmd, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], ...opts });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    out: () => out,
    err: () => err,
    async waitFor(re, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const all = `${err}\n${out}`;
        if (re.test(all)) return all;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `exited (${child.exitCode ?? child.signalCode}) before ${re}:\n${all.slice(-3000)}`,
          );
        if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms:\n${all.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(ms = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), ms);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Every live descendant of `pid` (children, their children, ...), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** True while `pid` runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

/** Resolves with the milliseconds until none of `pids` is alive, or rejects naming the survivors after `ms`. */
export async function allGone(pids: number[], ms: number): Promise<number> {
  const t0 = Date.now();
  while (pids.some(alive)) {
    if (Date.now() - t0 > ms)
      throw new Error(`still running after ${ms} ms: ${pids.filter(alive).join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}
