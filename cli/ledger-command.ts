import { Command } from "commander";

/**
 * `mailsla ledger salvage --from DAMAGED --to NEW`: what an operator runs when the collector refuses
 * to start on a damaged ledger and no backup is at hand. Copies every readable row into a new file
 * (collector/store/salvage.ts) and prints, per table, the rows copied and the damaged ranges skipped.
 */
export function ledgerCommand(): Command {
  const ledger = new Command("ledger").description("maintenance of the collector's SQLite ledger");
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
  return ledger;
}
