#!/usr/bin/env -S node --no-memory-reducer
/**
 * mailsla's command line. It only wires: each command's work lives in probes/, collector/ or demo/.
 * Every command loads its code when it runs (dynamic import), so `--version`, `--help` and
 * `validate` start without the collector, the agent and the report renderers.
 * The `#!` line turns V8's memory reducer off: its collections while the agent idles between probes
 * were a third of the CPU a delivery probe costs (docs/benchmarks-delivery.md); the benches read it.
 */
import { Command, Option } from "commander";
import { Duration } from "../config/duration.js";
import { ConfigError, loadConfigFile } from "../config/load.js";
import { packageVersion } from "./package-root.js";
import { ledgerCommand } from "./ledger-command.js";
import { migrateCommand } from "./migrate-command.js";
import { reportCommand } from "./report-command.js";
import { rulesCommand } from "./rules-command.js";

const program = new Command("mailsla")
  .description("SLA/QoS monitor for e-mail operators (ISC public e-mail service specification)")
  .version(packageVersion(), "-V, --version", "print mailsla's version")
  .showHelpAfterError();

const configOption = () =>
  new Option("-c, --config <file>", "configuration file (YAML)").env("MAILSLA_CONFIG");
const vantageOption = () =>
  new Option("--vantage <name>", "this agent's vantage point (default: the first listed)").env(
    "MAILSLA_VANTAGE",
  );

program
  .command("run", { isDefault: true })
  .description("agent and collector in one process; without --config, against the built-in demo mail target")
  .addOption(configOption())
  .addOption(vantageOption())
  .option("--listen <host:port>", "serve the agent's /metrics here (overrides agent.listen)")
  .option("--collector-listen <host:port>", "serve the collector here (overrides collector.listen)")
  .option(
    "--data-dir <dir>",
    "without --config: the demo's configuration, secrets, ledger and state",
    "var/demo",
  )
  .action(
    async (o: {
      config?: string;
      vantage?: string;
      listen?: string;
      collectorListen?: string;
      dataDir: string;
    }) => (await import("./run-command.js")).runCommand("all", o),
  );

program
  .command("agent")
  .description("run the probe agent of one vantage point (pushes to collector.url)")
  .addOption(configOption().makeOptionMandatory())
  .addOption(vantageOption())
  .option("--listen <host:port>", "serve /metrics here (overrides agent.listen)")
  .action(async (o: { config: string; vantage?: string; listen?: string }) =>
    (await import("./run-command.js")).runCommand("agent", o),
  );

program
  .command("collector")
  .description("run the collector: ingest, ledger, SLA engine, API, /metrics")
  .addOption(configOption().makeOptionMandatory())
  .option("--collector-listen <host:port>", "listen here (overrides collector.listen)")
  .action(async (o: { config: string; collectorListen?: string }) =>
    (await import("./run-command.js")).runCommand("collector", o),
  );

/** The options of `mailsla check`. */
interface CheckOptions {
  config: string;
  vantage?: string;
  service?: string[];
  json?: boolean;
  delivery?: string;
  timeout: string;
}

program
  .command("check")
  .description("run every check once, print the results; exit 1 if any failed")
  .addOption(configOption().makeOptionMandatory())
  .addOption(vantageOption())
  .option("--service <name...>", "only these services")
  .option("--json", "print results as JSON lines")
  .option(
    "--delivery <name>",
    "instead: send one probe message of this delivery and wait for it, phase by phase",
  )
  .option("--timeout <duration>", "with --delivery: how long to wait for the arrival", "5m")
  .action(async (o: CheckOptions) => {
    const config = loadConfigFile(o.config);
    const vantage = o.vantage ?? config.vantagePoints[0]!.name;
    if (o.delivery) {
      const { checkDelivery } = await import("./check-delivery.js");
      const t = Duration.safeParse(o.timeout);
      if (!t.success)
        throw new Error(`--timeout: expected a duration like "30s" or "5m", got "${o.timeout}"`);
      const timeoutMs = t.data;
      const ok = await checkDelivery(config, vantage, o.delivery, {
        timeoutMs,
        print: (l) => console.log(l),
      });
      process.exitCode = ok ? 0 : 1;
      return;
    }
    const { checkOnce, formatResult } = await import("./check-once.js");
    const results = await checkOnce(config, vantage, o.service);
    for (const r of results) console.log(o.json ? JSON.stringify(r) : formatResult(r));
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  });

program
  .command("validate")
  .description("validate a configuration file and summarise it")
  .addOption(configOption().makeOptionMandatory())
  .action((o: { config: string }) => {
    const c = loadConfigFile(o.config);
    console.log(
      `${o.config}: valid. ${c.operator.name}, ${c.segments.length} segment(s), ${c.vantagePoints.length} vantage point(s), ${c.services.length} service(s).`,
    );
  });

program.addCommand(reportCommand());
program.addCommand(ledgerCommand());
program.addCommand(migrateCommand());
program.addCommand(rulesCommand());

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`mailsla: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
