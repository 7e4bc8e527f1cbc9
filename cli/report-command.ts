import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { loadConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { ledgerPath } from "../collector/server.js";
import { gatherReport } from "../collector/report/gather.js";
import { loadMonthFromFile } from "../collector/report/input-file.js";
import { ledgerLoadMonth, openLedgerReadOnly } from "../collector/report/ledger-source.js";
import { buildReport } from "../collector/report/model.js";
import type { LoadMonth } from "../collector/report/produce.js";
import { FORMATS, renderFormat, type Format } from "../collector/report/render.js";
import { createReportService } from "../collector/report/service.js";

/**
 * `mailsla report`: the monthly compliance report of one month on demand, in one format, to a file
 * or standard output, or e-mailed now (`--send`). The data comes from the collector's ledger named
 * by `--config` (opened read-only, so it runs beside a running collector); `--input FILE` reads an
 * engine input from a JSON file instead, for a report without a ledger (docs/report.md).
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

interface Options {
  config?: string;
  month: string;
  format: Format;
  out?: string;
  input?: string;
  send?: boolean;
  force?: boolean;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The configuration's ledger file; throws, saying what is missing, when there is none. */
export function configuredLedger(config: Readonly<Config>): string {
  const c = config.collector;
  if (!c) {
    throw new Error(
      "the configuration has no collector section, so there is no ledger to read; " +
        "add it, or pass --input FILE for a report from an engine input file",
    );
  }
  const file = ledgerPath(c.dataDir);
  if (!existsSync(file)) {
    throw new Error(
      `no ledger at ${file} (collector.dataDir "${c.dataDir}"): ` +
        "has the collector run with this configuration, from this directory?",
    );
  }
  return file;
}

/** Runs `use` with the month's data source: --input, else the ledger of --config, else the injected one. */
async function withSource<T>(
  o: Options,
  deps: ReportCommandDeps,
  clock: () => number,
  use: (loadMonth: LoadMonth, config?: Readonly<Config>) => Promise<T>,
): Promise<T> {
  if (o.input) return use(loadMonthFromFile(o.input));
  if (!o.config) {
    if (deps.loadMonth) return use(deps.loadMonth);
    throw new Error(
      "no data source: pass --config FILE (reads the collector's ledger) or --input FILE " +
        "(an engine input as JSON, see docs/report.md)",
    );
  }
  const config = loadConfigFile(o.config);
  const store = openLedgerReadOnly(configuredLedger(config));
  try {
    return await use(ledgerLoadMonth(store, config, clock), config);
  } finally {
    store.close();
  }
}

/** Writes the report of `o.month` in `o.format`. */
async function writeReport(o: Options, deps: ReportCommandDeps, clock: () => number): Promise<void> {
  const now = clock();
  const data = await withSource(o, deps, clock, async (loadMonth) => {
    const model = buildReport(gatherReport(await loadMonth(o.month), o.month, now));
    return renderFormat(model, o.format, new Date(now));
  });
  if (o.out) await writeFile(o.out, data);
  else await (deps.write ?? ((d) => new Promise<void>((r) => process.stdout.write(d, () => r()))))(data);
}

/** E-mails the report of `o.month` now through the configured `report` section. */
async function sendReport(o: Options, deps: ReportCommandDeps, clock: () => number): Promise<void> {
  if (o.input) throw new Error("--send reads the collector's ledger (--config); it does not take --input");
  if (o.out) throw new Error("--send writes no file: the archive keeps every format (report.archiveDir)");
  if (!o.config) throw new Error("--send needs --config FILE with a report section");
  const log = deps.log ?? ((line: string) => console.error(line));
  await withSource(o, deps, clock, async (loadMonth, config) => {
    if (!config?.report) {
      throw new Error(
        "--send: the configuration has no report section (recipients, from, smtp); see docs/report.md",
      );
    }
    const service = createReportService(config, config.report, loadMonth, { clock, log });
    try {
      const receipt = await service.sendNow(o.month, { force: o.force === true });
      log(`report ${o.month} sent to ${receipt.accepted.join(", ")} (${receipt.messageId})`);
    } finally {
      await service.stop();
    }
  });
}

async function run(o: Options, deps: ReportCommandDeps): Promise<void> {
  if (!MONTH.test(o.month)) throw new Error(`--month: expected a month like 2026-11, got "${o.month}"`);
  if (o.force && !o.send) throw new Error("--force only goes with --send");
  const clock = deps.clock ?? Date.now;
  await (o.send ? sendReport(o, deps, clock) : writeReport(o, deps, clock));
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
    .action(async (o: Options) => run(o, deps));
}
