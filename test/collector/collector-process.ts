/**
 * A collector as a child process that can be killed and started again on the same ledger: what the
 * kill and replica fault tests stop with SIGKILL. `argv` is what node runs (the compiled CLI or tsx
 * over collector/server.ts); it is ready when `/healthz` answers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TOKEN_ENV } from "./fixtures.js";

const ROOT = join(import.meta.dirname, "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One collector process; its output is appended to `log`. */
export class CollectorProcess {
  private child?: ChildProcess;
  constructor(
    readonly name: string,
    readonly argv: readonly string[],
    readonly url: string,
    readonly log: string,
  ) {}

  /** Starts it and waits until it answers (30 s at most; the log is in the error). */
  async start(): Promise<void> {
    const out = openSync(this.log, "a");
    this.child = spawn(process.execPath, [...this.argv], {
      cwd: ROOT,
      env: { ...process.env, ...TOKEN_ENV, MAILSLA_LOG_LEVEL: "info" },
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null)
        throw new Error(`${this.name} exited:\n${readFileSync(this.log, "utf8")}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready in 30 s:\n${readFileSync(this.log, "utf8")}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
  }

  /** Sends `sig` and resolves with the exit code (null when killed by the signal). */
  async signal(sig: "SIGKILL" | "SIGTERM"): Promise<number | null> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once("exit", (code) => r(code)));
    c.kill(sig);
    return exited;
  }
}
