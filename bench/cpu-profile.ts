import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * `npx tsx bench/cpu-profile.ts FILE.cpuprofile [--top N]`: summarises a V8 CPU profile written by
 * `node --cpu-prof` (the agent of the delivery bench with MAILSLA_BENCH_CPU_PROF=DIR) as the
 * functions and the packages with the most self time, in Markdown for docs/benchmarks.md. Exists so
 * "where the agent's CPU goes" is read from a profile the same way each time, not eyeballed.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

/** The parts of a .cpuprofile this summary reads. */
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function or package, in ms, with its share of the busy (non-idle) time. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/** Self time per function and per package (node_modules package, our folder, node internals). */
export interface ProfileSummary {
  /** Sampled time with the thread not idle, ms (V8's "(idle)" node excluded). */
  readonly busyMs: number;
  readonly functions: SelfTime[];
  readonly packages: SelfTime[];
}

/** Where a script lives, as a reader groups it: a package, one of our folders, or node itself. */
export function packageOf(url: string): string {
  if (url === "") return "(V8: program, GC, natives)";
  if (url.startsWith("node:")) return "node internals";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ours = /\/(probes|contract|config|bench|test)\/(?:([^/]+)\/)?/.exec(url);
  if (ours) return ours[2] && !ours[2].includes(".") ? `${ours[1]}/${ours[2]}` : ours[1]!;
  return url;
}

/** Sums the samples' durations per node (a sample lasts until the next one) and groups them. */
export function summarise(profile: Profile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i + 1]! / 1000);
  }
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)") continue;
    busyMs += ms;
    const file = f.url.replace(/^.*\/(node_modules\/|work\/main\/)/, "");
    const name = `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + ms);
    pkgs.set(packageOf(f.url), (pkgs.get(packageOf(f.url)) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) =>
    [...m].map(([name, ms]) => ({ name, ms, share: ms / busyMs })).sort((a, b) => b.ms - a.ms);
  return { busyMs, functions: sorted(fns), packages: sorted(pkgs) };
}

/** The summary as two Markdown tables (top `n` functions, every package over 0.5 %). */
export function summaryMarkdown(s: ProfileSummary, n: number): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const table = (head: string, rows: SelfTime[]) =>
    [
      `| ${head} | self ms | share |`,
      "| --- | ---: | ---: |",
      ...rows.map((r) => `| \`${r.name.replace(/\|/g, "\\|")}\` | ${r.ms.toFixed(0)} | ${pct(r.share)} |`),
    ].join("\n");
  return [
    `Busy (non-idle) sampled time: ${s.busyMs.toFixed(0)} ms.`,
    "",
    table(
      "package or folder",
      s.packages.filter((p) => p.share >= 0.005),
    ),
    "",
    table(`function (top ${n} by self time)`, s.functions.slice(0, n)),
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/cpu-profile.ts FILE.cpuprofile [--top N]");
    process.exit(2);
  }
  const top = rest[0] === "--top" ? Number(rest[1]) : 25;
  console.log(summaryMarkdown(summarise(JSON.parse(readFileSync(file, "utf8")) as Profile), top));
}
