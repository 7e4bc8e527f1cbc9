import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { deliveryBench } from "./delivery.js";
import { ingestBench } from "./ingest.js";
import { nationalBench } from "./national-bench.js";
import { pgIngestBench } from "./pg-ingest.js";
import { recomputeBench } from "./recompute.js";
import { scaleBench } from "./scale.js";
import { startupBench } from "./startup.js";
import { benchBaseDir, machineFacts, type Bench, type Figure } from "./measure.js";

/**
 * `npm run bench` (or `npx tsx bench/run.ts [name ...] [--markdown]`): runs the listed benches
 * one after another and prints the machine facts and one table of figures. Progress goes to
 * stderr, so stdout is the table alone. A new bench is one more entry in {@link BENCHES}.
 */

/** Every bench `npm run bench` runs, in this order; select some by name on the command line. */
export const BENCHES: readonly Bench[] = [ingestBench, recomputeBench, deliveryBench, startupBench];

/** Benches run only when named (`npm run bench -- scale`): each takes five minutes (pg-ingest) to forty (scale). */
export const ON_REQUEST: readonly Bench[] = [scaleBench, pgIngestBench, nationalBench];

const COLUMNS = ["bench", "metric", "value", "unit", "note"] as const;

function cells(f: Figure): string[] {
  const value = typeof f.value === "number" ? f.value.toLocaleString("en-US") : f.value;
  return [f.bench, f.metric, value, f.unit, f.note ?? ""];
}

/** The figures as an aligned text table, or as Markdown for docs/benchmarks.md. */
export function formatTable(figures: readonly Figure[], markdown: boolean): string {
  const rows = figures.map(cells);
  if (markdown) {
    const line = (r: readonly string[]) => `| ${r.join(" | ")} |`;
    return [line(COLUMNS), line(COLUMNS.map(() => "---")), ...rows.map(line)].join("\n");
  }
  const width = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === 2 ? c.padStart(width[i]!) : c.padEnd(width[i]!)))
      .join("  ")
      .trimEnd();
  return [line(COLUMNS), line(width.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main(args: readonly string[]): Promise<void> {
  const markdown = args.includes("--markdown");
  const names = args.filter((a) => !a.startsWith("--"));
  const all = [...BENCHES, ...ON_REQUEST];
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown bench ${unknown.join(", ")}; known: ${all.map((b) => b.name).join(", ")}`);
  }
  const selected = names.length > 0 ? all.filter((b) => names.includes(b.name)) : BENCHES;
  const baseDir = benchBaseDir();
  const loadAtStart = loadavg();
  const ctx = { baseDir, log: (line: string) => console.error(`[bench] ${line}`) };
  const figures: Figure[] = [];
  for (const bench of selected) {
    ctx.log(`${bench.name}: ${bench.question}`);
    figures.push(...(await bench.run(ctx)));
  }
  for (const [k, v] of Object.entries(machineFacts(baseDir, loadAtStart)))
    console.log(markdown ? `- ${k}: ${v}` : `${k}: ${v}`);
  console.log("");
  console.log(formatTable(figures, markdown));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
