/**
 * Small process and socket helpers for the test stack: running a command with a timeout and an error
 * message that carries its stderr, polling for a condition, waiting for a TCP banner, finding binaries
 * and watching process trees through /proc.
 */
import { execFile, type ExecFileException, type ChildProcess } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * Prints a timestamped harness trace line to stderr when MAILSLA_STACK_DEBUG is set: for finding which
 * step of a slow or flaky stack operation takes the time.
 */
export function debug(message: string): void {
  if (process.env.MAILSLA_STACK_DEBUG)
    process.stderr.write(`[stack ${new Date().toISOString()}] ${message}\n`);
}

/** What a finished command printed, so callers can parse output without re-running it. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Kill the command after this many ms (default 15 s) so a hung daemon tool cannot hang a test. */
  timeoutMs?: number;
  /** Resolve with a non-zero exit code instead of throwing (for commands whose failure is information). */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command without a shell. Exists because daemon tools fail with terse exit codes: the thrown
 * Error names the command line, the exit code or signal and includes stderr and stdout.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 15_000;
  debug(`run ${cmd} ${args.join(" ")}`);
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        if (!err || (opts.allowFailure && typeof err.code === "number")) {
          resolve({ stdout, stderr, code });
          return;
        }
        const how = err.killed ? `timed out after ${timeout} ms` : `failed (${describeExit(err)})`;
        const out = [
          stderr.trim() && `stderr:\n${stderr.trim()}`,
          stdout.trim() && `stdout:\n${stdout.trim()}`,
        ];
        reject(new Error([`${cmd} ${args.join(" ")} ${how}`, ...out].filter(Boolean).join("\n")));
      },
    );
  });
}

function describeExit(err: ExecFileException): string {
  if (typeof err.code === "number") return `exit code ${err.code}`;
  if (err.signal) return `signal ${err.signal}`;
  return err.message;
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `check` until it returns something other than undefined/false. Exists so start-up code can
 * wait for "really ready" instead of sleeping a guessed time; the timeout error says what was awaited
 * and the last error seen.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions = {},
): Promise<T> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) {
        debug(`waited ${Date.now() - started} ms for ${what}`);
        return value;
      }
      last = undefined;
    } catch (err) {
      last = err;
      debug(`still waiting for ${what}: ${(err as Error).message}`);
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : "";
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await sleep(opts.intervalMs ?? 20);
  }
}

/** A promise-based sleep for polling loops. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Connects to host:port and resolves with the first line the server sends (e.g. "220 ..." or
 * "* OK ..."). Exists to tell "port open" from "daemon greets": Dovecot accepts before auth is ready.
 */
export function readGreeting(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buf = "";
    const done = (err: Error | undefined, line?: string): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(line ?? "");
    };
    socket.setTimeout(timeoutMs, () =>
      done(new Error(`no greeting from ${host}:${port} in ${timeoutMs} ms`)),
    );
    socket.on("error", (err) => done(err));
    socket.on("data", (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      const nl = buf.indexOf("\n");
      if (nl >= 0) done(undefined, buf.slice(0, nl).trimEnd());
    });
    socket.on("end", () => done(new Error(`${host}:${port} closed without a greeting`)));
  });
}

/** Resolves true if a TCP connection to host:port is accepted; for "is it down yet" checks. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on("connect", () => finish(true));
    socket.on("error", () => finish(false));
    function finish(ok: boolean): void {
      socket.destroy();
      resolve(ok);
    }
  });
}

/** True if a process with this pid exists (signal 0); the basis of every "is it gone" check. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return false;
  }
}

/**
 * The pid and all its descendants, read from /proc. Exists so stop() can verify that a daemon's whole
 * tree is gone, not only its master (Postfix and Dovecot children outlive a killed master briefly).
 */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentPid(Number(entry));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = isAlive(rootPid) ? [rootPid] : [];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Resolves true once none of the pids is alive, false on timeout: stop() must not return early. */
export async function waitForExit(pids: readonly number[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await sleep(15);
  }
  return true;
}

/** How {@link terminateTree} signals a tree: the master's signal and whether children get SIGTERM. */
export interface TerminateOptions {
  master: "SIGTERM" | "SIGKILL";
  children: boolean;
  /** SIGKILL whatever is left after this many ms (default 5000). */
  graceMs?: number;
}

/**
 * Sends the signals of {@link terminateTree} without waiting and returns the tree's pids. Synchronous,
 * so that a process 'exit' handler can use it.
 */
export function signalTree(pid: number, opts: TerminateOptions): number[] {
  const tree = processTree(pid);
  signal(pid, opts.master);
  if (opts.children) for (const p of tree.slice(1)) signal(p, "SIGTERM");
  return tree;
}

/**
 * Stops a daemon's process tree and resolves once every process of it is gone (stragglers, including
 * children spawned meanwhile, get SIGKILL after the grace time). Exists because "the master exited"
 * is not "the daemon is gone": Dovecot's children outlive a dead master here for ~30 s.
 */
export async function terminateTree(pid: number, opts: TerminateOptions): Promise<void> {
  const started = Date.now();
  const tree = signalTree(pid, opts);
  if (await waitForExit(tree, opts.graceMs ?? 5000)) {
    debug(`process tree of ${pid} (${tree.length} processes) gone after ${Date.now() - started} ms`);
    return;
  }
  const left = [...new Set([...tree, ...processTree(pid)])].filter(isAlive);
  debug(`SIGKILL to ${left.join(", ")} of the tree of ${pid} after ${Date.now() - started} ms`);
  for (const p of left) signal(p, "SIGKILL");
  if (!(await waitForExit(left, 5000)))
    throw new Error(`processes ${left.filter(isAlive).join(", ")} survive SIGKILL`);
}

/**
 * Stops one child process: SIGTERM, then SIGKILL if it has not exited after `graceMs`. For the
 * single-process servers of the test stack (knotd, opendkim, prometheus); `terminateTree` is for
 * daemons with children.
 */
export async function stopChild(child: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** The pid in a daemon's pid file if that process is alive (not a zombie), else undefined. */
export function livePid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A daemon known by its master's pid file and stopped by signalling its process tree with `signals`:
 * what the Postfix and Dovecot instances share.
 */
export class MasterDaemon {
  constructor(
    protected readonly pidFile: string,
    private readonly signals: TerminateOptions,
  ) {}

  /** The master's pid, or undefined when it is not running. */
  async masterPid(): Promise<number | undefined> {
    return livePid(this.pidFile);
  }

  /** Signals the process tree like stop() without waiting: for process 'exit' handlers. */
  killNow(): void {
    const pid = livePid(this.pidFile);
    if (pid) signalTree(pid, this.signals);
  }

  /** Signals the process tree and waits until it is gone; false when the master was not running. */
  protected async terminate(): Promise<boolean> {
    const pid = await this.masterPid();
    if (!pid) return false;
    await terminateTree(pid, this.signals);
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Where Debian puts the binaries the stack needs, searched in addition to $PATH. */
const EXTRA_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/lib/dovecot"];

/** Absolute path of an executable (absolute names are checked as they are), or undefined. */
export function findBinary(name: string): string | undefined {
  const candidates = path.isAbsolute(name)
    ? [name]
    : [...(process.env.PATH ?? "").split(":"), ...EXTRA_DIRS].filter(Boolean).map((d) => path.join(d, name));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * Throws if any of the binaries is missing, naming each and the fix. Exists so a machine without the
 * Debian packages fails loudly with the remedy instead of skipping or failing obscurely.
 */
export function requireBinaries(names: readonly string[]): void {
  const missing = names.filter((n) => findBinary(n) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `test stack: missing required binaries: ${missing.join(", ")}; run: sudo bash scripts/install-deps.sh`,
    );
  }
}

/** uid and gid of a system user (postfix, mail, ...), for chown of the directories daemons write. */
export async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run("id", [name]);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error(`cannot parse "id ${name}": ${stdout}`);
  return { uid: Number(uid), gid: Number(gid) };
}
