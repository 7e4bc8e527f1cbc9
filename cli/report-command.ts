import { Command, Option } from "commander";
import { FORMATS } from "../collector/report/formats.js";
import type { LoadMonth } from "../collector/report/produce.js";
import type { ReportOptions } from "./report-run.js";

/**
 * `mailsla report`: the monthly compliance report of one month on demand, in one format, to a file
 * or standard output, or e-mailed now (`--send`). The data comes from the collector's ledger named
 * by `--config` (opened read-only, so it runs beside a running collector); `--input FILE` reads an
 * engine input from a JSON file instead, for a report without a ledger (docs/report.md). This file
 * only declares the command: the renderers load (./report-run.ts) when it runs, so other commands
 * start without them.
 */

/** What the command works with; defaults are the real clock, standard output and standard error. */
export interface ReportCommandDeps {
  /** A data source used when neither --config nor --input is given (tests). */
  readonly loadMonth?: LoadMonth;
  readonly clock?: () => number;
  readonly write?: (data: Buffer) => Promise<void>;
  /** Where `--send` reports what it did. */
  readonly log?: (line: string) => void;
}

/** The `report` subcommand, for cli/main.ts to register with `program.addCommand(reportCommand())`. */
export function reportCommand(deps: ReportCommandDeps = {}): Command {
  return new Command("report")
    .description("write the monthly compliance report of one month (SPEC 7.1, 7.2) as JSON, CSV, HTML or PDF")
    .addOption(
      new Option("-c, --config <file>", "configuration file: the report reads its collector's ledger").env(
        "MAILSLA_CONFIG",
      ),
    )
    .requiredOption("--month <YYYY-MM>", "the calendar month, in the operator's time zone")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("pdf"))
    .option("--out <file>", "write to this file (default: standard output)")
    .option(
      "--input <file>",
      "read the month's data from this JSON file (an engine input) instead of the ledger",
    )
    .option("--send", "e-mail the report now through the configuration's report section (once per month)")
    .option("--force", "with --send: send even if the month was sent before or may have arrived")
    .action(async (o: ReportOptions) => (await import("./report-run.js")).runReport(o, deps));
}
