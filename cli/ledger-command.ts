import { Command } from "commander";

/**
 * `mailsla ledger salvage --from DAMAGED --to NEW`: what an operator runs when the collector refuses
 * to start on a damaged ledger and no backup is at hand. `mailsla ledger compact`: compaction now
 * (collector/store/compaction.ts), e.g. before a migration, rather than waiting for the retention timer. Copies every readable row into a new file
 * (collector/store/salvage.ts) and prints, per table, the rows copied and the damaged ranges skipped.
 */
export function ledgerCommand(): Command {
  const ledger = new Command("ledger").description("maintenance of the collector's ledger");
  ledger
    .command("salvage")
    .description("copy every readable row of a damaged ledger into a new file")
    .requiredOption("--from <file>", "the damaged ledger (opened read-only)")
    .requiredOption("--to <file>", "the new ledger to write (must not exist)")
    .action(async (o: { from: string; to: string }) => {
      const { salvageLedger } = await import("../collector/store/salvage.js");
      const report = salvageLedger(o.from, o.to);
      for (const t of report.tables) {
        const damage = t.damagedRanges > 0 ? `, ${t.damagedRanges} damaged range(s) skipped` : "";
        console.log(`${t.table}: ${t.copied} row(s) copied${damage}`);
      }
      const lost = report.tables.some((t) => t.damagedRanges > 0);
      console.log(
        `${o.to}: written. ${lost ? "Some rows were lost in the damage; " : ""}point collector.dataDir at it (renamed collector.sqlite) and start the collector.`,
      );
    });
  ledger
    .command("compact")
    .description("compact raw check results older than the retention (or --before) into state runs now")
    .requiredOption("-c, --config <file>", "the collector's configuration (its ledger and thresholds)")
    .option(
      "--before <date>",
      "compact results before this day (YYYY-MM-DD, UTC); default: collector.retention.raw ago",
    )
    .action(async (o: { config: string; before?: string }) => {
      const { loadConfigFile } = await import("../config/load.js");
      const { openLedger } = await import("../collector/server.js");
      const { sourceContext } = await import("../collector/sla-source/input.js");
      const { compactionRules, compactLedger } = await import("../collector/store/compact-ledger.js");
      const { retentionBoundary } = await import("../collector/retention.js");
      const config = loadConfigFile(o.config);
      const c = config.collector;
      if (!c) throw new Error(`${o.config}: no collector section, so no ledger to compact`);
      const floor = retentionBoundary(Date.now(), 60 * 86_400_000);
      const before =
        o.before === undefined
          ? retentionBoundary(Date.now(), c.retention.raw)
          : Date.parse(`${o.before}T00:00:00Z`);
      if (!Number.isFinite(before)) throw new Error(`--before: expected a day YYYY-MM-DD, got "${o.before}"`);
      if (before > floor) {
        throw new Error(
          `--before ${o.before}: raw results of the last 60 days are kept (Order 38 art. 10); give a day before ${new Date(floor).toISOString().slice(0, 10)}`,
        );
      }
      const store = await openLedger(config);
      try {
        const done = await compactLedger(store, compactionRules(sourceContext(config).setup), before);
        console.log(
          `${store.location}: results before ${new Date(before).toISOString()} compacted: ${done.series} series, ${done.rawRemoved} raw results into ${done.runsWritten} runs`,
        );
      } finally {
        await store.close();
      }
    });
  return ledger;
}
