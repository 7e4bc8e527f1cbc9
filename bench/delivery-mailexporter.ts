import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { allocatePorts } from "../test/stack/ports.js";
import { waitFor } from "../test/stack/proc.js";
import {
  cpuDelta,
  cpuReading,
  sleep,
  wallMinusMono,
  type CpuDelta,
  watchMaildir,
  type PhaseContext,
  type ToolRun,
  type Witness,
} from "./delivery-common.js";
import { sig } from "./measure.js";

/**
 * mailexporter's side of the delivery bench (cherti/mailexporter, Debian's 2019 build): it sends
 * through submission (Go net/smtp, STARTTLS, AUTH PLAIN as alice) on its own schedule and notices
 * arrival by inotify on alice's Maildir new/, which it must be able to read. It cannot be told to
 * send now, so the bench follows it: every message the witness sees is one of its probes.
 */

const INTERVAL_MS = 1000;
/** Its first probe comes a random 0-20 s after start. */
const FIRST_PROBE_TIMEOUT_MS = 25_000;

/** The config: one server, deletion off so the witness can still read the payload after detection. */
function configText(p: PhaseContext): string {
  const { stack } = p;
  const u = stack.users.alice;
  return [
    `monitoringinterval: ${INTERVAL_MS}ms`,
    "mailchecktimeout: 10s",
    "disablefiledeletion: true",
    "servers:",
    "  - name: bench",
    `    server: ${stack.host}`,
    `    port: "${stack.ports.submission}"`,
    `    login: ${u.user}`,
    `    passphrase: ${u.pass}`,
    `    from: ${u.user}`,
    `    to: ${u.user}`,
    `    detectiondir: ${join(stack.maildir("alice"), "new")}`,
    "",
  ].join("\n");
}

/** One timed probe: when the witness saw it, its body (token-sentUnixNanos-config), the exporter's delay. */
interface Reading {
  appeared: number;
  payload: string;
  durationSeconds: number;
}

/**
 * Starts mailexporter, takes its first probe as the warm-up, times the next `p.probes`, and reads
 * its CPU from the start of the first timed cycle to the start of the one after the last.
 */
export async function runMailexporter(p: PhaseContext): Promise<ToolRun> {
  const lease = await allocatePorts(1);
  const port = lease.ports[0]!;
  const payloadOf = (t: string) => /\r?\n\r?\n\s*(\S+-\d+-bench)\s*$/.exec(t)?.[1];
  const witness = await watchMaildir(p.stack.maildir("alice"), payloadOf);
  const exporter = startExporter(p, port);
  try {
    await waitFor("mailexporter's /metrics", () => scrape(port), { timeoutMs: 5000 });
    const offsetBefore = wallMinusMono();
    const { readings, cpu } = await follow(p, witness, exporter, port);
    const offsetAfter = wallMinusMono();
    const offset = (offsetBefore + offsetAfter) / 2;
    p.log(`mailexporter: ${readings.length}/${p.probes} probes witnessed and scraped`);
    return {
      ...describe(p.probes, Math.abs(offsetAfter - offsetBefore), cpu),
      lagsMs: readings.map((r) => noticedWallMs(r) - offset - r.appeared),
      cpuSeconds: cpu.seconds,
      errors: [], // a probe it did not make or report stops the phase with its output (follow)
    };
  } finally {
    await stop(exporter.child);
    await witness.close();
    lease.release();
  }
}

/** The running exporter and the last 4 kB it printed (for the error when it stops probing). */
function startExporter(p: PhaseContext, port: number): { child: ChildProcess; output(): string } {
  const confFile = join(p.dir, "mailexporter.conf");
  writeFileSync(confFile, configText(p), { mode: 0o600 });
  const args = ["-config.file", confFile, "-web.listen-address", `127.0.0.1:${port}`];
  const child = spawn("mailexporter", args, {
    env: { ...process.env, SSL_CERT_FILE: p.stack.caFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => output };
}

/** Follows arrivals #1 to #probes+2: #1 is the warm-up, CPU is read at #2 and #probes+2. */
async function follow(
  p: PhaseContext,
  witness: Witness,
  exporter: { child: ChildProcess; output(): string },
  port: number,
): Promise<{ readings: Reading[]; cpu: CpuDelta }> {
  const pid = exporter.child.pid!;
  const readings: Reading[] = [];
  let cpu0 = cpuReading(pid);
  for (let k = 0; k <= p.probes + 1; k++) {
    const s = await witness
      .nth(k, k === 0 ? FIRST_PROBE_TIMEOUT_MS : INTERVAL_MS + 10_000)
      .catch((err: Error) =>
        Promise.reject(new Error(`${err.message}; mailexporter said:\n${exporter.output()}`)),
      );
    if (k === 1) cpu0 = cpuReading(pid);
    if (k === p.probes + 1) return { readings, cpu: cpuDelta(cpu0, cpuReading(pid)) };
    const durationSeconds = await lastDuration(port, k + 1);
    if (k > 0) readings.push({ appeared: s.at, payload: s.key, durationSeconds });
  }
  throw new Error("unreachable");
}

/** Its detection stamp (Go's time.Now() on the inotify event) as Unix ms: sent stamp + its delay. */
function noticedWallMs(r: Reading): number {
  const sentNs = BigInt(r.payload.split("-")[1]!);
  return Number(sentNs / 1000n) / 1000 + r.durationSeconds * 1000;
}

/**
 * `mail_last_deliver_duration_seconds` once `mail_deliver_durations_seconds_count` reached `count`
 * (the gauge then belongs to that probe: probes are a second apart, detection takes microseconds).
 * One scrape per probe in the normal case, as Prometheus would at most do at this probe rate.
 */
async function lastDuration(port: number, count: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    await sleep(25);
    const m = await scrape(port);
    const seen = Number(/^mail_deliver_durations_seconds_count\{[^}]*\} (\S+)$/m.exec(m)?.[1] ?? 0);
    if (seen > count) throw new Error(`mailexporter counted ${seen} deliveries, the witness ${count}`);
    const last = /^mail_last_deliver_duration_seconds\{[^}]*\} (\S+)$/m.exec(m)?.[1];
    if (seen === count && last !== undefined) return Number(last);
  }
  throw new Error(`mailexporter did not count delivery #${count} within 2.5 s`);
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`mailexporter /metrics: HTTP ${res.status}`);
  return res.text();
}

/** SIGTERM, and SIGKILL if it has not exited 5 s later. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function describe(probes: number, driftMs: number, cpu: CpuDelta) {
  return {
    tool: "mailexporter",
    probes,
    cpuProbes: probes,
    cpuSource: cpu.precise ? "/proc/<pid>/task/*/schedstat" : "/proc/<pid>/stat",
    method:
      `its own schedule (monitoringinterval ${INTERVAL_MS / 1000} s, first probe after a random 0-20 s); ` +
      `noticed = its tRecv (Go time.Now() when it reads the inotify event) = the send stamp in the ` +
      `message body + mail_last_deliver_duration_seconds scraped from /metrics, mapped from the wall ` +
      `clock onto the bench's timeline at a millisecond edge of Date.now().`,
    cpuMethod:
      (cpu.precise
        ? `sum of /proc/<pid>/task/*/schedstat on-CPU ns (no thread exited; /proc/<pid>/stat ` +
          `utime + stime in 10 ms ticks says ${sig(cpu.statSeconds)} s in all)`
        : `/proc/<pid>/stat utime + stime (10 ms ticks; a thread exited, so schedstat could not be used)`) +
      ` from arrival #2 to arrival #${probes + 2}: ${probes} cycles of send, detection, one /metrics ` +
      `scrape and ~1 s idle; its threads were put onto a CPU ${sig(cpu.slices / probes, 3)} times per ` +
      `probe (schedstat).`,
    bound:
      `wall-to-monotonic mapping: under a microsecond at each edge, drift ${(driftMs * 1000).toFixed(1)} µs ` +
      `over the phase. Go and the witness thread react to the same inotify event, so this lag is ` +
      `the difference of two wake-ups and may be slightly negative.`,
  };
}
