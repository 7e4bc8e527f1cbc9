import { Command } from "commander";
import { loadConfigFile } from "../config/load.js";

/**
 * `mailsla migrate`: brings the configured ledger's schema up to this version (what the collector
 * also does at start), or, with `--from sqlite FILE --to postgres URL`, moves an embedded ledger into
 * PostgreSQL, the step an operator takes when one SQLite file is no longer enough (docs/scaling.md).
 */
export function migrateCommand(): Command {
  return new Command("migrate")
    .description("migrate the ledger's schema, or move a SQLite ledger into PostgreSQL")
    .option("-c, --config <file>", "migrate the ledger this configuration names (collector.store)")
    .option("--from <source...>", "the ledger to move: sqlite FILE")
    .option("--to <target...>", "where to move it: postgres URL (the password may be in PGPASSWORD)")
    .action(async (o: { config?: string; from?: string[]; to?: string[] }) => {
      if (o.from || o.to) return move(o.from, o.to);
      if (!o.config) throw new Error("give --config FILE, or --from sqlite FILE --to postgres URL");
      const { openLedger } = await import("../collector/server.js");
      const config = loadConfigFile(o.config);
      if (!config.collector) throw new Error(`${o.config}: no collector section, so no ledger to migrate`);
      const store = await openLedger(config);
      try {
        const m = "migration" in store ? (store.migration as { from: number; to: number }) : undefined;
        console.log(
          m
            ? `${store.location}: schema version ${m.from} -> ${m.to}${m.from === m.to ? " (already current)" : ""}`
            : `${store.location}: schema is current (SQLite ledgers are brought up on open)`,
        );
      } finally {
        await store.close();
      }
    });
}

function pair(what: string, given: string[] | undefined, engine: string, thing: string): string {
  if (!given || given.length !== 2 || given[0] !== engine) {
    throw new Error(`${what}: expected "${what} ${engine} ${thing}", got "${(given ?? []).join(" ")}"`);
  }
  return given[1]!;
}

async function move(from: string[] | undefined, to: string[] | undefined): Promise<void> {
  const file = pair("--from", from, "sqlite", "FILE");
  const url = pair("--to", to, "postgres", "URL");
  const { openPostgresStore } = await import("../collector/store/postgres/index.js");
  const { copySqliteLedger } = await import("../collector/store/postgres/copy-from-sqlite.js");
  const target = await openPostgresStore({
    url,
    ...(process.env.PGPASSWORD ? { password: process.env.PGPASSWORD } : {}),
  });
  try {
    for (const t of await copySqliteLedger(file, target.pool)) {
      const held = t.read - t.inserted;
      console.log(
        `${t.table}: ${t.read} row(s) read, ${t.inserted} copied${held > 0 ? `, ${held} already there` : ""}`,
      );
    }
    console.log(
      `${file} -> ${target.location}: copied. Point collector.store.postgres.url at it and start the collectors; ` +
        `run this again after stopping the old collector to copy what it stored meanwhile.`,
    );
  } finally {
    await target.close();
  }
}
