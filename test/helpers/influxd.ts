/**
 * A private InfluxDB 1.x (Debian package `influxdb`) for tests: its own temporary directory and
 * free loopback ports (HTTP and the RPC bind-address, which would otherwise take 127.0.0.1:8088),
 * started with `influxd -config FILE`, ready when /ping answers 204. It can be stopped and started
 * again on the same data, to test what a client does while InfluxDB is away.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocatePorts, type PortLease } from "../stack/ports.js";
import { requireTool } from "./tools.js";

/** A running (or stopped) private influxd. */
export interface Influxd {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Starts it again on the same directory and ports. */
  start(): Promise<void>;
  /** SIGTERM, and wait for the process to exit. */
  stop(): Promise<void>;
  /** Stops it and removes its directory and port reservations. */
  close(): Promise<void>;
  /** Runs an InfluxQL query and returns the rows of its first series (empty if none). */
  query(database: string, q: string): Promise<unknown[][]>;
}

function configText(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
[continuous_queries]
  enabled = false
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`influxd exited with ${child.exitCode}:\n${readFileSync(log, "utf8").slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/ping`)).status === 204) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`influxd at ${url} not ready in 15 s:\n${readFileSync(log, "utf8").slice(-2000)}`);
}

/** Starts a private influxd; throws with the install command if the package is missing. */
export async function startInfluxd(): Promise<Influxd> {
  const influxd = requireTool("influxd", "influxdb");
  const dir = mkdtempSync(join(tmpdir(), "mailsla-influxd-"));
  const lease: PortLease = await allocatePorts(2);
  const [httpPort, rpcPort] = lease.ports as [number, number];
  const conf = join(dir, "influxdb.conf");
  const log = join(dir, "influxd.log");
  writeFileSync(conf, configText(dir, httpPort, rpcPort));
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child && child.exitCode === null) return;
    const out = openSync(log, "a");
    child = spawn(influxd, ["-config", conf], { stdio: ["ignore", out, out] });
    closeSync(out);
    await waitReady(url, child, log);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await start();
  } catch (err) {
    lease.release();
    throw err;
  }
  return {
    url,
    start,
    stop,
    close: async () => {
      await stop();
      lease.release();
      rmSync(dir, { recursive: true, force: true });
    },
    query: async (database, q) => {
      const res = await fetch(`${url}/query?db=${encodeURIComponent(database)}&q=${encodeURIComponent(q)}`);
      const body = (await res.json()) as {
        results: { series?: { values: unknown[][] }[]; error?: string }[];
      };
      const first = body.results[0];
      if (first?.error) throw new Error(`InfluxQL ${q}: ${first.error}`);
      return first?.series?.[0]?.values ?? [];
    },
  };
}
