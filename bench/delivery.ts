import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { pathToFileURL } from "node:url";
import { startMailStack } from "../test/stack/mail-stack.js";
import { runCheckEmailDelivery, PLUGINS } from "./delivery-ced.js";
import { MIN_SUCCESS_SHARE, usable, type PhaseContext, type ToolRun } from "./delivery-common.js";
import { runMailexporter } from "./delivery-mailexporter.js";
import { runMailsla } from "./delivery-mailsla.js";
import {
  benchBaseDir,
  median,
  quantile,
  scratch,
  sig,
  type Bench,
  type BenchContext,
  type Figure,
  figureMaker,
} from "./measure.js";

/**
 * `npx tsx bench/delivery.ts`: how late mailsla and its two peers notice a delivered message, and
 * what a probe costs each in CPU, on one real Postfix + Dovecot in one run. The true delivery time
 * is the file's appearance in the Maildir's new/ (inotify, seen by a thread of this process). Each tool has its own
 * mailbox (they delete or move what they find) and its own phase, one after another, so none
 * competes with another for the two daemons or the CPU. Figures go to docs/benchmarks-delivery.md.
 */

/**
 * Timed probes per tool (MAILSLA_BENCH_PROBES): 20 keeps the run under ~2.5 minutes and still
 * gives a p95; raise it for tighter figures.
 */
export const DELIVERY_PROBES = Number(process.env.MAILSLA_BENCH_PROBES ?? 20);

/** The phases in the order they run: mailsla first, the yardstick of every ratio. */
const ALL_PHASES: readonly [string, (p: PhaseContext) => Promise<ToolRun>][] = [
  ["mailsla", runMailsla],
  ["check_email_delivery", runCheckEmailDelivery],
  ["mailexporter", runMailexporter],
];

/**
 * MAILSLA_BENCH_TOOLS=mailsla (comma-separated) runs only those phases, e.g. to profile the agent
 * without waiting for the peers; mailsla stays first, so it is still every ratio's yardstick.
 */
const PHASES = ALL_PHASES.filter(
  ([name]) => !process.env.MAILSLA_BENCH_TOOLS || process.env.MAILSLA_BENCH_TOOLS.split(",").includes(name),
);

/**
 * Starts a stack, runs every phase on it and stops it; the tools' runs in PHASES order. Exported
 * so both this command and bench/run.ts measure the same way.
 */
export async function measureDelivery(ctx: BenchContext): Promise<ToolRun[]> {
  if (!Number.isInteger(DELIVERY_PROBES) || DELIVERY_PROBES < 1)
    throw new Error(
      `MAILSLA_BENCH_PROBES must be a positive integer, not ${process.env.MAILSLA_BENCH_PROBES}`,
    );
  const tmp = scratch(ctx.baseDir, "delivery");
  const stack = await startMailStack();
  try {
    const p: PhaseContext = { stack, probes: DELIVERY_PROBES, dir: tmp.dir, log: ctx.log };
    const runs: ToolRun[] = [];
    for (const [name, phase] of PHASES) {
      const t0 = performance.now();
      ctx.log(`${name}: ${DELIVERY_PROBES} probes`);
      runs.push(await phase(p));
      ctx.log(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return runs;
  } finally {
    await stack.stop();
    tmp.remove();
  }
}

/**
 * Why the run's figures cannot be compared, naming each tool with under 90 % successful probes and
 * its own errors; undefined when every tool succeeded often enough. The bench then exits non-zero.
 */
export function unusableRuns(runs: readonly ToolRun[]): string | undefined {
  const bad = runs.filter((r) => !usable(r));
  if (bad.length === 0) return undefined;
  const lines = bad.map(
    (r) =>
      `${r.tool}: ${r.lagsMs.length}/${r.probes} probes succeeded (at least ` +
      `${Math.ceil(MIN_SUCCESS_SHARE * r.probes)} needed)` +
      (r.errors.length > 0 ? `; it said:\n${r.errors.map((e) => `    ${e}`).join("\n")}` : ""),
  );
  return `delivery bench: no ratio can be given:\n  ${lines.join("\n  ")}`;
}

/**
 * One tool's row: lag statistics (ms), CPU per probe (s) and both ratios to mailsla; a ratio only
 * when both sides had at least 90 % successful probes ("-" otherwise).
 */
function row(r: ToolRun, base: ToolRun): string[] {
  const lag = (x: number) =>
    r.lagsMs.length > 0 ? x.toFixed(Math.abs(x) < 10 ? 2 : Math.abs(x) < 100 ? 1 : 0) : "-";
  const q = (p: number) => (r.lagsMs.length > 0 ? quantile(r.lagsMs, p) : NaN);
  const cpu = r.cpuSeconds / r.cpuProbes;
  const baseCpu = base.cpuSeconds / base.cpuProbes;
  const comparable = usable(r) && usable(base);
  const ratio = (a: number, b: number) =>
    !comparable || !Number.isFinite(a / b) ? "-" : Math.abs(a / b) < 0.01 ? "< 0.01×" : `${sig(a / b, 2)}×`;
  const medianLag = r.lagsMs.length > 0 ? median(r.lagsMs) : NaN;
  return [
    r.tool,
    `${r.lagsMs.length}/${r.probes}`,
    lag(Math.min(...r.lagsMs)),
    lag(medianLag),
    lag(q(0.95)),
    lag(Math.max(...r.lagsMs)),
    String(sig(cpu, 3)),
    ratio(medianLag, base.lagsMs.length > 0 ? median(base.lagsMs) : NaN),
    ratio(cpu, baseCpu),
  ];
}

const HEADER = ["tool", "probes", "lag min", "median", "p95", "max (ms)", "CPU s/probe", "lag ×", "CPU ×"];

/** The side-by-side table the bench exists for (text, or Markdown for the doc); ratios are tool / mailsla. */
export function deliveryTable(runs: readonly ToolRun[], markdown = false): string {
  const rows = runs.map((r) => row(r, runs[0]!));
  if (markdown) {
    const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
    return [line(HEADER), line(HEADER.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join(
      "\n",
    );
  }
  const width = HEADER.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join("  ");
  return [line(HEADER), line(width.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Each tool's method, CPU reading and error bound, for under the table: a figure without them misleads. */
export function deliveryNotes(runs: readonly ToolRun[]): string {
  return runs
    .map((r) => `- ${r.tool}: ${r.method}\n  CPU: ${r.cpuMethod}\n  Error bound: ${r.bound}`)
    .join("\n");
}

/** The runs as bench/run.ts figures, so the bench can join the common table. */
export function deliveryFigures(runs: readonly ToolRun[]): Figure[] {
  const f = figureMaker("delivery");
  return runs.flatMap((r) => {
    const [, probes, min, med, p95, max, cpu, lagRatio, cpuRatio] = row(r, runs[0]!);
    return [
      f(
        `${r.tool}: arrival-detection lag median`,
        med!,
        "ms",
        `min ${min}, p95 ${p95}, max ${max}; ${probes}`,
      ),
      f(`${r.tool}: CPU per probe`, cpu!, "s", r.cpuSource),
      ...(r === runs[0] ? [] : [f(`${r.tool}: ratio to mailsla`, lagRatio!, "lag", `CPU ${cpuRatio}`)]),
    ];
  });
}

/** The arrival-detection bench as bench/run.ts lists it. */
export const deliveryBench: Bench = {
  name: "delivery",
  question: "arrival-detection lag and CPU per probe: mailsla vs mailexporter vs check_email_delivery",
  async run(ctx) {
    const runs = await measureDelivery(ctx);
    const why = unusableRuns(runs);
    if (why) throw new Error(why);
    return deliveryFigures(runs);
  },
};

/**
 * The machine and the versions measured: a lag means little without them. The load average (at
 * the start and at the end) says whether other work shared the CPUs meanwhile.
 */
export function deliveryFacts(loadAtStart: readonly number[]): Record<string, string> {
  const out = (cmd: string, args: string[]) =>
    spawnSync(cmd, args, { encoding: "utf8" }).stdout?.trim() ?? "?";
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(" ");
  return {
    cpus: `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? "unknown"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    "load average": `${load(loadAtStart)} at start, ${load(loadavg())} at end (1, 5, 15 min)`,
    node: process.version,
    postfix: out("postconf", ["-dh", "mail_version"]),
    dovecot: out("dovecot", ["--version"]),
    mailexporter: out("dpkg-query", ["-W", "-f", "${Version}", "prometheus-mailexporter"]),
    check_email_delivery: out(`${PLUGINS}/check_email_delivery`, ["-V"]),
    perl: out("perl", ["-e", "print $^V"]),
    kernel: out("uname", ["-r"]),
  };
}

async function main(args: readonly string[]): Promise<void> {
  const markdown = args.includes("--markdown");
  const baseDir = benchBaseDir();
  const t0 = performance.now();
  const loadAtStart = loadavg();
  const runs = await measureDelivery({ baseDir, log: (line) => console.error(`[bench] ${line}`) });
  console.error(`[bench] delivery: ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  for (const [k, v] of Object.entries(deliveryFacts(loadAtStart)))
    console.log(markdown ? `- ${k}: ${v}` : `${k}: ${v}`);
  console.log("");
  console.log(deliveryTable(runs, markdown));
  console.log("");
  console.log(deliveryNotes(runs));
  const why = unusableRuns(runs);
  if (why) {
    console.error(why);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
