import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { probeHeaders } from "../probes/delivery/message.js";
import { bundleAgent, productionNodeFlags } from "./bundle.js";
import { DEFAULT_TUNING } from "../probes/delivery/watch.js";
import type { AgentCommand, AgentEvent } from "./delivery-mailsla-agent.js";
import {
  cpuDelta,
  cpuReading,
  hrMinusPerf,
  keepError,
  loopDelay,
  ms,
  sleep,
  watchMaildir,
  type CpuDelta,
  type CpuReading,
  type PhaseContext,
  type ToolRun,
  type Witness,
} from "./delivery-common.js";
import { median, sig } from "./measure.js";

/**
 * mailsla's side of the delivery bench: its round-trip probe (submission with AUTH as probe1, IMAP
 * over implicit TLS as probe2, IDLE plus the NOOP burst after each send) with the shipped tuning, in
 * an agent process of its own (bench/delivery-mailsla-agent.ts), so its CPU is read from /proc for
 * that process alone, the same way as mailexporter's.
 */

/**
 * How long the NOOP burst after each send lasts: the shipped 3 s unless MAILSLA_BENCH_BURST_MS
 * says otherwise, to show what the burst costs.
 */
const BURST_MS = Number(process.env.MAILSLA_BENCH_BURST_MS ?? DEFAULT_TUNING.burstMs);

/**
 * Probes are this far apart (send to send): each one gets its whole NOOP burst, as it does in
 * production where probes are minutes apart, so the CPU per probe is not flattered by overlap.
 */
const SPACING_MS = Math.max(BURST_MS, DEFAULT_TUNING.burstMs) + 250;
const TIMEOUT_MS = 20_000;

/**
 * MAILSLA_BENCH_CPU_PROF=DIR: the agent profiles its CPU over the timed probes (V8's sampling
 * profiler, as `node --cpu-prof` uses) and writes `mailsla-agent.cpuprofile` into DIR; summarise it
 * with bench/cpu-profile.ts (docs/benchmarks.md, "Where the agent's CPU goes"). The profiler's own
 * sampling thread costs CPU, so the CPU per probe of such a run is not a figure.
 */
const PROFILE_DIR = process.env.MAILSLA_BENCH_CPU_PROF;

/**
 * Extra node options of the agent process (MAILSLA_BENCH_AGENT_ARGS, space-separated, e.g.
 * `--trace-gc` to see its collections), after those production runs with ({@link productionNodeFlags}).
 */
const AGENT_NODE_ARGS = process.env.MAILSLA_BENCH_AGENT_ARGS?.split(" ").filter(Boolean) ?? [];

/** One probe's clock readings on this process's performance.now(). */
interface Probe {
  appeared: number;
  /** onResult in the agent: the result is committed to the outbox and published. */
  reported: number;
  /** The watcher's own detection stamp (the 250's monotonic time plus the measured delay). */
  detected: number;
}

/**
 * mailsla's phase: the agent process started and ready, a warm-up probe, an idle cycle (the
 * agent's CPU with nothing sent) and `p.probes` timed probes; the agent and witness stopped after.
 */
export async function runMailsla(p: PhaseContext): Promise<ToolRun> {
  const witness = await watchMaildir(p.stack.maildir("probe2"), (text) => probeHeaders(text)?.token);
  const agent = await startAgent(p);
  try {
    const { stack } = p;
    const view = { host: stack.host, hostname: stack.hostname, ports: stack.ports, users: stack.users };
    agent.command({
      type: "start",
      ...{ stack: { ...view, caFile: stack.caFile }, burstMs: BURST_MS },
      stateFile: join(p.dir, "mailsla-agent.sqlite"),
    });
    await agent.next((e) => e.type === "ready", 30_000);
    const errors: string[] = [];
    await runProbes(agent, witness, errors, 1); // warm-up: TLS session, JIT, SQLite pages
    errors.length = 0;
    const delay = loopDelay();
    const idle0 = cpuReading(agent.pid);
    await sleep(SPACING_MS); // an idle cycle: the agent in IDLE, nothing sent
    const idle = cpuDelta(idle0, cpuReading(agent.pid));
    await profiling(agent, "start");
    const cpu0 = cpuReading(agent.pid);
    const probes = await runProbes(agent, witness, errors, p.probes);
    const cpu1 = cpuReading(agent.pid);
    const cpu = cpuDelta(cpu0, cpu1);
    const main = mainThreadSeconds(agent.pid, cpu0, cpu1);
    await profiling(agent, "stop");
    const loop = delay.stop();
    p.log(`mailsla: ${probes.length}/${p.probes} probes witnessed and reported`);
    return { ...summary(p.probes, probes, { probes: cpu, idle, main }, loop), errors };
  } finally {
    await agent.stop();
    await witness.close();
  }
}

/**
 * On-CPU seconds of the agent's main thread (its tid is its pid) between two readings: the event
 * loop's share, apart from V8's collector and compiler threads, which is where a change shows.
 */
function mainThreadSeconds(pid: number, a: CpuReading, b: CpuReading): number {
  const tid = String(pid);
  return Number((b.threads.get(tid) ?? 0n) - (a.threads.get(tid) ?? 0n)) / 1e9;
}

/** Starts or stops the agent's profiler when MAILSLA_BENCH_CPU_PROF asks for a profile. */
async function profiling(agent: Agent, action: "start" | "stop"): Promise<void> {
  if (!PROFILE_DIR) return;
  const file = join(PROFILE_DIR, "mailsla-agent.cpuprofile");
  agent.command(action === "start" ? { type: "profile", action } : { type: "profile", action, file });
  await agent.next((e) => e.type === "profiled" && e.action === action, 30_000);
}

/** The forked agent: commands in, events out, its pid for /proc. */
interface Agent {
  pid: number;
  command(c: AgentCommand): void;
  /** The next event `match` accepts (events seen before are kept); rejects after `timeoutMs`. */
  next(match: (e: AgentEvent) => boolean, timeoutMs: number): Promise<AgentEvent>;
  stop(): Promise<void>;
}

async function startAgent(p: PhaseContext): Promise<Agent> {
  const file = await bundleAgent(new URL("./delivery-mailsla-agent.ts", import.meta.url), "delivery-agent");
  const child: ChildProcess = fork(file, [], {
    execArgv: [...productionNodeFlags(), ...AGENT_NODE_ARGS],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const events: AgentEvent[] = [];
  const wakers = new Set<() => void>();
  let exited: string | undefined;
  child.on("message", (e: AgentEvent) => {
    if (e.type === "error") p.log(`mailsla agent: ${e.error}`);
    events.push(e);
    for (const w of [...wakers]) w();
  });
  const gone = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = `the agent exited (${signal ?? code})`;
      for (const w of [...wakers]) w();
      resolve();
    }),
  );
  return {
    pid: child.pid!,
    command: (c) => child.send(c),
    next: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const i = events.findIndex((e) => match(e) || e.type === "error");
          if (i < 0 && exited === undefined) return;
          done();
          const e = events.splice(i, 1)[0];
          if (!e || e.type === "error") reject(new Error(e?.error ?? exited));
          else resolve(e);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no answer from the mailsla agent within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          wakers.delete(check);
        };
        wakers.add(check);
        check();
      }),
    async stop() {
      if (exited === undefined && child.connected) child.send({ type: "stop" } satisfies AgentCommand);
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await gone;
      clearTimeout(killer);
    },
  };
}

/**
 * `count` probes sent on the agent's own timer, `SPACING_MS` apart, with what became of each;
 * resolves at the end of the last one's cycle.
 */
async function runProbes(agent: Agent, witness: Witness, errors: string[], count: number): Promise<Probe[]> {
  agent.command({ type: "run", count, spacingMs: SPACING_MS });
  const probes: Probe[] = [];
  for (let i = 0; i < count; i++) {
    const probe = await timedProbe(agent, witness, errors);
    if (probe) probes.push(probe);
  }
  await agent.next((e) => e.type === "ran", SPACING_MS + TIMEOUT_MS);
  return probes;
}

/**
 * The next probe the agent sent on its own timer: its result (or the send's failure) and the
 * witness's sighting of its message.
 */
async function timedProbe(agent: Agent, witness: Witness, errors: string[]): Promise<Probe | undefined> {
  const offset = hrMinusPerf();
  try {
    const r = await agent.next(
      (e) => e.type === "result" || e.type === "send-failed",
      SPACING_MS + TIMEOUT_MS,
    );
    if (r.type === "send-failed") return void keepError(errors, r.error);
    if (r.type !== "result" || r.outcome !== "delivered" || r.detectedHr === undefined)
      return void keepError(errors, `outcome ${r.type === "result" ? r.outcome : r.type}`);
    const appeared = await witness.seen(r.token, TIMEOUT_MS);
    return { appeared, reported: r.reportedHr - offset, detected: r.detectedHr - offset };
  } catch (err) {
    return void keepError(errors, (err as Error).message);
  }
}

function summary(
  sent: number,
  probes: readonly Probe[],
  cpu: { probes: CpuDelta; idle: CpuDelta; main: number },
  loop: { p99Ms: number; maxMs: number },
): Omit<ToolRun, "errors"> {
  const detectLag = probes.map((x) => x.detected - x.appeared);
  const publish = probes.map((x) => x.reported - x.detected);
  const source = cpu.probes.precise ? "/proc/<pid>/task/*/schedstat" : "/proc/<pid>/stat";
  return {
    tool: "mailsla",
    probes: sent,
    lagsMs: probes.map((x) => x.reported - x.appeared),
    cpuSeconds: cpu.probes.seconds,
    cpuProbes: sent,
    cpuSource: `${source} of the agent process`,
    method:
      `roundtrip probe (submission + IMAPS as probe2: a ${BURST_MS / 1000} s burst of NOOPs every 25 ms ` +
      `after each send, ended once nothing is awaited, no command while nothing is awaited, taken messages ` +
      `deleted ${DEFAULT_TUNING.deleteBatch} at a time), in an agent process of its own (node ${productionNodeFlags().join(" ")}, ` +
      `the options of the mailsla bin); noticed = ` +
      `onResult (result committed to the outbox), CLOCK_MONOTONIC in the agent. The watcher's own ` +
      `detection stamp is earlier: lag median ${ms(median(detectLag))}, publishing takes ` +
      `${ms(median(publish))}.`,
    cpuMethod:
      `${source} of the agent process alone (the bench and its witness thread are not counted) over ` +
      `${sent} probe cycles ${SPACING_MS / 1000} s apart (send, NOOP burst, fetch, a share of the batched delete and of the ` +
      `durable commit before it, SQLite state file; sends on the agent's own timer, one IPC message out per probe: its result); an idle cycle of the same ` +
      `length (nothing sent) cost ${sig(cpu.idle.seconds, 2)} s. Of the CPU per probe, the main thread ` +
      `(the event loop) took ${sig(cpu.main / sent, 2)} s, V8's and libuv's threads the rest; its threads ` +
      `were put onto a CPU ${sig(cpu.probes.slices / sent, 3)} times per probe (schedstat).`,
    bound:
      `onResult is stamped in the agent process on CLOCK_MONOTONIC, the witness thread's clock, so ` +
      `the bench's own event loop (delay p99 ${ms(loop.p99Ms)}, max ${ms(loop.maxMs)}) does not count; ` +
      `the agent's own loop delay does, against mailsla. Detection resolution: the 25 ms burst poll.`,
  };
}
