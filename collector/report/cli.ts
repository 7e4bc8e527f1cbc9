import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { gatherReport } from "./gather.js";
import { loadMonthFromFile } from "./input-file.js";
import { buildReport } from "./model.js";
import type { LoadMonth } from "./produce.js";
import { FORMATS, renderFormat, type Format } from "./render.js";

/**
 * `mailsla report`: the monthly compliance report of one month on demand, in one format, to a file
 * or standard output. The data source is injected (`loadMonth`); until the collector's store is
 * wired in, `--input FILE` reads an engine input from a JSON file (see docs/report.md).
 */

/** What the command works with; defaults are the real clock and standard output. */
export interface ReportCommandDeps {
  /** The collector's data source; without it, `--input` is required. */
  readonly loadMonth?: LoadMonth;
  readonly clock?: () => number;
  readonly write?: (data: Buffer) => Promise<void>;
}

interface Options {
  month: string;
  format: Format;
  out?: string;
  input?: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Writes the report of `o.month` in `o.format`. */
async function run(o: Options, deps: ReportCommandDeps): Promise<void> {
  if (!MONTH.test(o.month)) throw new Error(`--month: expected a month like 2026-11, got "${o.month}"`);
  const loadMonth = o.input ? loadMonthFromFile(o.input) : deps.loadMonth;
  if (!loadMonth)
    throw new Error("no data source: pass --input FILE (an engine input as JSON, see docs/report.md)");
  const now = (deps.clock ?? Date.now)();
  const model = buildReport(gatherReport(await loadMonth(o.month), o.month, now));
  const data = await renderFormat(model, o.format, new Date(now));
  if (o.out) await writeFile(o.out, data);
  else await (deps.write ?? ((d) => new Promise<void>((r) => process.stdout.write(d, () => r()))))(data);
}

/** The `report` subcommand, for main.ts to register with `program.addCommand(reportCommand())`. */
export function reportCommand(deps: ReportCommandDeps = {}): Command {
  return new Command("report")
    .description("write the monthly compliance report of one month (SPEC 7.1, 7.2) as JSON, CSV, HTML or PDF")
    .requiredOption("--month <YYYY-MM>", "the calendar month, in the operator's time zone")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("pdf"))
    .option("--out <file>", "write to this file (default: standard output)")
    .option(
      "--input <file>",
      "read the month's data from this JSON file (engine input; stand-in for the store)",
    )
    .action(async (o: Options) => run(o, deps));
}
