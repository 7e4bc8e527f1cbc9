import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { loadConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { ledgerPath } from "../collector/server.js";
import { gatherReport } from "../collector/report/gather.js";
import { loadMonthFromFile } from "../collector/report/input-file.js";
import { ledgerLoadMonth } from "../collector/report/ledger-source.js";
import { openStoreReadOnly } from "../collector/store/index.js";
import type { CollectorStore } from "../collector/store/types.js";
import { buildReport } from "../collector/report/model.js";
import type { LoadMonth } from "../collector/report/produce.js";
import { renderFormat } from "../collector/report/render.js";
import type { Format } from "../collector/report/formats.js";
import type { ReportCommandDeps } from "./report-command.js";
import { createReportService } from "../collector/report/service.js";

/** The parsed options of `mailsla report`. */
export interface ReportOptions {
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
  o: ReportOptions,
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
  const store = await openReportLedger(config);
  try {
    return await use(ledgerLoadMonth(store, config, clock), config);
  } finally {
    await store.close();
  }
}

/**
 * The configured ledger opened for reading: the SQLite file read-only, or PostgreSQL without
 * migrating it (a report never changes the ledger's schema).
 */
async function openReportLedger(config: Readonly<Config>): Promise<CollectorStore> {
  const pg = config.collector?.store.postgres;
  if (!pg) return openStoreReadOnly(configuredLedger(config));
  const { openPostgresStore } = await import("../collector/store/postgres/index.js");
  return openPostgresStore({
    url: pg.url,
    ...(pg.password ? { password: pg.password.reveal() } : {}),
    poolSize: 2,
    connectTimeout: pg.connectTimeout,
    statementTimeout: pg.statementTimeout,
    migrate: false,
  });
}

/** Writes the report of `o.month` in `o.format`. */
async function writeReport(o: ReportOptions, deps: ReportCommandDeps, clock: () => number): Promise<void> {
  const now = clock();
  const data = await withSource(o, deps, clock, async (loadMonth) => {
    const model = buildReport(gatherReport(await loadMonth(o.month), o.month, now));
    return renderFormat(model, o.format, new Date(now));
  });
  if (o.out) await writeFile(o.out, data);
  else await (deps.write ?? ((d) => new Promise<void>((r) => process.stdout.write(d, () => r()))))(data);
}

/** E-mails the report of `o.month` now through the configured `report` section. */
async function sendReport(o: ReportOptions, deps: ReportCommandDeps, clock: () => number): Promise<void> {
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

/** Runs `mailsla report` with parsed options: validates them, then writes or sends the month's report. */
export async function runReport(o: ReportOptions, deps: ReportCommandDeps): Promise<void> {
  if (!MONTH.test(o.month)) throw new Error(`--month: expected a month like 2026-11, got "${o.month}"`);
  if (o.force && !o.send) throw new Error("--force only goes with --send");
  const clock = deps.clock ?? Date.now;
  await (o.send ? sendReport(o, deps, clock) : writeReport(o, deps, clock));
}
