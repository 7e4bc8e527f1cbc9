import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startMailStack, type MailStack, type StackUser } from "../test/stack/mail-stack.js";
import { bundleAgent, productionNodeFlags } from "./bundle.js";
import { cpuDelta, cpuReading, hrMinusPerf, sleep } from "./delivery-common.js";
import { figureMaker, scratch, sig, type Bench, type BenchContext, type Figure } from "./measure.js";
import type { ScaleCommand, ScaleEvent } from "./scale-agent.js";
import { quantileWithBounds, rssMiB, timetable, treeCpuSeconds } from "./scale-measure.js";
import { watchMaildirs } from "./scale-witness.js";

/**
 * `npm run bench -- scale`: one agent watching many probe mailboxes at one receive probe a minute
 * each, on the test stack's Postfix and Dovecot with that many generated users. Per size: the
 * agent's CPU (cores) and RSS, the lag from the true delivery (the file in new/, seen by a witness
 * thread) to the committed result, the probes lost, late or skipped, and the CPU of Dovecot and
 * Postfix beside it. Figures go to docs/benchmarks.md ("The agent at scale").
 */

/** Mailboxes per run (MAILSLA_BENCH_SCALE_SIZES, comma-separated). */
const SIZES = (process.env.MAILSLA_BENCH_SCALE_SIZES ?? "200,1000,2000").split(",").map(Number);

/** Measured minutes per size (MAILSLA_BENCH_SCALE_MINUTES: one figure for all, or one per size). */
const MINUTES = (process.env.MAILSLA_BENCH_SCALE_MINUTES ?? "10").split(",").map(Number);

/** One probe a minute per mailbox, as the issue asks; shorter for a smoke run (MAILSLA_BENCH_SCALE_INTERVAL_S). */
const INTERVAL_S = Number(process.env.MAILSLA_BENCH_SCALE_INTERVAL_S ?? 60);

/** Logins per second the agent may make at the IMAP server: an operator starting 2,000 watchers raises it. */
const LOGINS_PER_SECOND = 100;

/** A send more than this after its slot in the fixed-rate timetable counts as late. */
const LATE_MS = 1000;

/** After the window, how long messages sent in it may take to arrive before counting as lost. */
const GRACE_MS = 20_000;

/**
 * Dovecot for thousands of IMAP connections, as an operator would raise it: one imap process per
 * connection (its own process_limit, 1,024 by default), login processes in high-performance mode
 * (each proxies many TLS connections), client limits of auth and anvil above what the login
 * processes may open. Debian's defaults refuse the connections past the limits ("Internal login
 * failure ... process_limit reached"). The kernel's inotify instances per user (128) are left as
 * they are: past them Dovecot's IDLE falls back to a stat every 30 s, which the agent's NOOPs do not
 * depend on.
 */
function dovecotLimits(n: number): string {
  return `
# the scale bench: ${n} probe mailboxes, one connection each
default_process_limit = ${n + 200}
default_client_limit = ${2 * n + 1000}
default_vsz_limit = 1G
mail_max_userip_connections = 20
service imap {
  process_limit = ${n + 200}
}
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = ${n + 500}
}
service auth {
  client_limit = ${4 * (n + 200) + 1000}
}
service anvil {
  client_limit = ${3 * n + 2000}
}
`;
}

/** The bench as bench/run.ts lists it. */
export const scaleBench: Bench = {
  name: "scale",
  question: "one agent, hundreds to thousands of IMAP mailboxes at one receive probe a minute: CPU, RSS, lag",
  async run(ctx) {
    const figures: Figure[] = [];
    for (const [i, n] of SIZES.entries()) {
      const minutes = MINUTES[i] ?? MINUTES[MINUTES.length - 1]!;
      const size = await measureSize(ctx, n, minutes);
      // each size's figures as soon as they exist: a run of half an hour should not lose them all
      for (const f of size) ctx.log(`scale: ${f.metric} = ${f.value} ${f.unit} (${f.note ?? ""})`);
      figures.push(...size);
    }
    return figures;
  },
};

/** What one size came to. */
interface SizeRun {
  n: number;
  minutes: number;
  cpu: { cores: number; halves: [number, number]; perProbe: number };
  rss: { max: number; peak: number };
  lagMs: number[];
  delayMs: number[];
  boundsMs: number[];
  probes: {
    expected: number;
    sent: number;
    delivered: number;
    failed: number;
    lost: number;
    unnoticed: number;
  };
  schedule: ReturnType<typeof timetable>;
  daemons: { dovecot: number; postfix: number };
  errors: string[];
}

async function measureSize(ctx: BenchContext, n: number, minutes: number): Promise<Figure[]> {
  ctx.log(`scale: ${n} mailboxes, ${minutes} min measured after one interval of warm-up`);
  const users: StackUser[] = Array.from({ length: n }, (_, i) => ({
    user: `scale${i}@probe.test`,
    pass: randomBytes(9).toString("base64url"),
  }));
  const tmp = scratch(ctx.baseDir, "scale");
  const t0 = performance.now();
  const stack = await startMailStack({ extraUsers: users, dovecotConf: dovecotLimits(n) });
  ctx.log(`scale: stack with ${n} users up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const run = await runAgent(ctx, stack, users, minutes, join(tmp.dir, "agent.sqlite"));
    return figuresOf(run);
  } finally {
    await stack.stop();
    tmp.remove();
  }
}

/** Collects what the agent process reports, and lets the bench wait for one kind of event. */
function agentProcess(file: string) {
  const execArgv = productionNodeFlags(); // as `mailsla agent` runs
  const child = fork(file, [], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const results: Extract<ScaleEvent, { type: "result" }>[] = [];
  let stopped: Extract<ScaleEvent, { type: "stopped" }> | undefined;
  const waiting = new Map<string, () => void>();
  let failure: string | undefined;
  child.on("message", (e: ScaleEvent) => {
    if (e.type === "result") results.push(e);
    else if (e.type === "stopped") stopped = e;
    else if (e.type === "error") failure = e.error;
    waiting.get(e.type)?.();
  });
  child.on("exit", (code) => {
    failure ??= code === 0 ? undefined : `the scale agent exited with ${code}`;
    for (const w of waiting.values()) w();
  });
  const until = (type: ScaleEvent["type"], timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${type}" from the scale agent in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting.set(type, () => {
        clearTimeout(timer);
        if (failure) reject(new Error(failure));
        else resolve();
      });
    });
  return {
    pid: child.pid!,
    results,
    stopped: () => stopped,
    until,
    send: (c: ScaleCommand) => child.send(c),
    kill: () => child.kill("SIGKILL"),
  };
}

async function runAgent(
  ctx: BenchContext,
  stack: MailStack,
  users: StackUser[],
  minutes: number,
  stateFile: string,
): Promise<SizeRun> {
  const n = users.length;
  const witness = await watchMaildirs(users.map((u) => stack.maildir(u.user.split("@")[0]!)));
  const agent = agentProcess(await bundleAgent(new URL("./scale-agent.ts", import.meta.url), "scale-agent"));
  try {
    const view = { host: stack.host, hostname: stack.hostname, ports: stack.ports, users: stack.users };
    const started = agent.until("ready", 60_000 + (n / LOGINS_PER_SECOND) * 3000);
    agent.send({
      type: "start",
      ...{ stack: { ...view, caFile: stack.caFile }, users, stateFile },
      ...{ intervalSeconds: INTERVAL_S, loginsPerSecond: LOGINS_PER_SECOND },
    });
    await started;
    ctx.log(`scale: agent ready (${n} watchers logged in); warming up for one interval`);
    await sleep(INTERVAL_S * 1000);
    const daemons = async () => {
      const p = await stack.processes();
      return { dovecot: treeCpuSeconds(p.dovecot), postfix: treeCpuSeconds(p.postfix) };
    };
    const offset = hrMinusPerf();
    const start = {
      wall: Date.now(),
      hr: performance.now() + offset,
      cpu: cpuReading(agent.pid),
      d: await daemons(),
    };
    const rss: number[] = [];
    const windowMs = minutes * 60_000;
    let mid = start.cpu;
    for (let t = 0; t < windowMs; t += 5000) {
      await sleep(Math.min(5000, windowMs - t));
      rss.push(rssMiB(agent.pid).rss);
      if (t < windowMs / 2 && t + 5000 >= windowMs / 2) mid = cpuReading(agent.pid);
    }
    const end = {
      wall: Date.now(),
      hr: performance.now() + offset,
      cpu: cpuReading(agent.pid),
      d: await daemons(),
    };
    const peak = rssMiB(agent.pid).peak;
    ctx.log(`scale: window over; ${GRACE_MS / 1000} s for the last messages to arrive`);
    await sleep(GRACE_MS);
    const stopping = agent.until("stopped", 60_000);
    agent.send({ type: "stop" });
    await stopping;
    const wallS = (end.hr - start.hr) / 1000;
    const cpu = cpuDelta(start.cpu, end.cpu).seconds;
    const halves: [number, number] = [
      cpuDelta(start.cpu, mid).seconds / (wallS / 2),
      cpuDelta(mid, end.cpu).seconds / (wallS / 2),
    ];
    const inWindow = agent.results.filter((r) => r.sentAt >= start.wall && r.sentAt < end.wall);
    const delivered = inWindow.filter((r) => r.outcome === "delivered");
    const inflight = (agent.stopped()?.inflight ?? []).filter(
      (m) => m.sentWall !== null && m.sentWall >= start.wall && m.sentWall < end.wall,
    );
    const reported = new Set(agent.results.map((r) => r.token));
    const unnoticed = [...witness.seen].filter(
      ([t, at]) => at >= start.hr && at < end.hr && !reported.has(t),
    );
    const sends = new Map<string, number[]>();
    for (const r of inWindow) sends.set(r.delivery, [...(sends.get(r.delivery) ?? []), r.sentAt]);
    const errors = [...new Set(inWindow.flatMap((r) => (r.error ? [r.error] : [])))].slice(0, 5);
    return {
      ...{ n, minutes, errors },
      cpu: { cores: cpu / wallS, halves, perProbe: cpu / Math.max(1, inWindow.length + inflight.length) },
      rss: { max: Math.max(...rss), peak },
      lagMs: delivered.flatMap((r) => {
        const at = witness.seen.get(r.token);
        return at === undefined ? [] : [r.reportedHr - at];
      }),
      delayMs: delivered.map((r) => (r.delaySeconds ?? 0) * 1000),
      boundsMs: delivered.map((r) => (r.errorBoundSeconds ?? 0) * 1000),
      probes: {
        expected: Math.round((n * wallS) / INTERVAL_S),
        sent: inWindow.length + inflight.length,
        delivered: delivered.length,
        failed: inWindow.filter((r) => r.outcome === "send-failed").length,
        lost: inflight.length + inWindow.filter((r) => r.outcome === "lost").length,
        unnoticed: unnoticed.length,
      },
      schedule: timetable(sends, INTERVAL_S * 1000, LATE_MS),
      daemons: {
        dovecot: (end.d.dovecot - start.d.dovecot) / wallS,
        postfix: (end.d.postfix - start.d.postfix) / wallS,
      },
    };
  } finally {
    agent.kill();
    await witness.close();
  }
}

function figuresOf(r: SizeRun): Figure[] {
  const f = figureMaker("scale");
  const m = (name: string) => `${r.n} boxes: ${name}`;
  const q = (xs: number[], p: number) => {
    const b = quantileWithBounds(xs, p);
    return b ? `${sig(b.value)} (95 % CI ${sig(b.low)}–${sig(b.high)})` : "-";
  };
  const p = r.probes;
  return [
    f(
      m("agent CPU"),
      sig(r.cpu.cores, 3),
      "cores",
      `halves of the window: ${r.cpu.halves.map((h) => sig(h, 3)).join(" / ")}; ${r.minutes} min; schedstat of the agent process`,
    ),
    f(m("agent CPU per probe"), sig(r.cpu.perProbe, 3), "s", "agent CPU / probes sent in the window"),
    f(
      m("agent RSS"),
      Math.round(r.rss.max),
      "MiB",
      `max of 5 s samples (VmRSS); peak VmHWM ${Math.round(r.rss.peak)} MiB`,
    ),
    f(
      m("lag p50"),
      q(r.lagMs, 0.5),
      "ms",
      "true delivery (file in new/, witness thread) -> result committed, CLOCK_MONOTONIC",
    ),
    f(
      m("lag p99"),
      q(r.lagMs, 0.99),
      "ms",
      `max ${sig(Math.max(...r.lagMs))} ms; ${r.lagMs.length} witnessed probes`,
    ),
    f(
      m("delay p50 / p99"),
      `${q(r.delayMs, 0.5)} / ${q(r.delayMs, 0.99)}`,
      "ms",
      `250 to DATA -> seen (the 7.1.9 figure); its own error bound p50 ${sig(quantileWithBounds(r.boundsMs, 0.5)?.value ?? 0)} ms`,
    ),
    f(
      m("probes"),
      `${p.sent} sent of ${p.expected} due`,
      "",
      `${p.delivered} delivered, ${p.failed} send-failed, ${p.lost} lost (not arrived ${GRACE_MS / 1000} s after the window), ${p.unnoticed} delivered but not noticed`,
    ),
    f(
      m("late / skipped sends"),
      `${r.schedule.late} / ${r.schedule.skipped}`,
      "",
      `more than ${LATE_MS} ms after the fixed-rate slot (worst ${sig(r.schedule.worstLateMs)} ms) / slots without a send`,
    ),
    f(
      m("Dovecot CPU"),
      sig(r.daemons.dovecot, 3),
      "cores",
      "master + every child, exited ones through the master",
    ),
    f(
      m("Postfix CPU"),
      sig(r.daemons.postfix, 3),
      "cores",
      "master + every child, exited ones through the master",
    ),
    ...(r.errors.length > 0 ? [f(m("errors"), r.errors.join(" | "), "", "first distinct errors")] : []),
  ];
}
