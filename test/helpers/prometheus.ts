import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { allocatePorts } from "../stack/ports.js";
import { stopChild, waitFor } from "../stack/proc.js";
import { requireTool } from "./tools.js";

/**
 * Real Prometheus for tests, on a free loopback port in a temporary directory: alert rules are only
 * proven by the server that evaluates them. Fails with the install command when it is missing.
 */

/** A daemon started by a test: where it listens, where it keeps its files, how to stop it. */
export interface LoopbackDaemon {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Its stdout and stderr so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `binary` with `args(port)` in `dir` and waits for `GET /-/ready` (Prometheus and
 * Alertmanager both have it). Exists so both starters share one way to start, wait and clean up.
 */
export async function startLoopbackDaemon(
  name: string,
  binary: string,
  dir: string,
  args: (port: number) => string[],
): Promise<LoopbackDaemon> {
  const lease = await allocatePorts(1);
  const port = lease.ports[0]!;
  const logFile = path.join(dir, `${name}.log`);
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn(binary, args(port), { cwd: dir, stdio: ["ignore", out, out] });
  const log = () => readFileSync(logFile, "utf8");
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  const stop = async () => {
    if (!exited) await stopChild(child, 5000);
    lease.release();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `${name} ready on ${url}`,
      async () => {
        if (exited) throw new Error(`${name} exited:\n${log()}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, dir, log, stop };
}

/** A running Prometheus. */
export interface PrometheusServer extends LoopbackDaemon {
  /** An instant query; the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

/** What to load: the configuration (YAML text) and rule files by name, written beside it. */
export interface PrometheusSetup {
  readonly config: string;
  readonly ruleFiles?: Readonly<Record<string, string>>;
}

/** Starts Prometheus with `setup`; rule file names in the config are relative to its directory. */
export async function startPrometheus(setup: PrometheusSetup): Promise<PrometheusServer> {
  const binary = requireTool("prometheus", "prometheus");
  const dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-prometheus-"));
  writeFileSync(path.join(dir, "prometheus.yml"), setup.config);
  for (const [name, text] of Object.entries(setup.ruleFiles ?? {})) writeFileSync(path.join(dir, name), text);
  const daemon = await startLoopbackDaemon("prometheus", binary, dir, (port) => [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--rules.alert.resend-delay=1s",
    "--log.level=warn",
  ]);
  return {
    ...daemon,
    async query(expr) {
      const res = await fetch(`${daemon.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: never[] } };
      if (body.status !== "success") throw new Error(`query ${expr} failed: ${body.error}`);
      return body.data.result;
    },
  };
}
