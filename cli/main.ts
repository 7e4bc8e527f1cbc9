#!/usr/bin/env -S npx tsx
/**
 * mailsla's command line. It only wires: each command's work lives in probes/, collector/ or demo/.
 */
import { Command, Option } from "commander";
import { ConfigError, loadConfigFile } from "../config/load.js";
import { runCommand } from "./run-command.js";
import { checkOnce, formatResult } from "./check-once.js";
import { reportCommand } from "./report-command.js";

const program = new Command("mailsla")
  .description("SLA/QoS monitor for e-mail operators (ISC public e-mail service specification)")
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
  .action(async (o: { config?: string; vantage?: string; listen?: string }) => runCommand("all", o));

program
  .command("agent")
  .description("run the probe agent of one vantage point (pushes to collector.url)")
  .addOption(configOption().makeOptionMandatory())
  .addOption(vantageOption())
  .option("--listen <host:port>", "serve /metrics here (overrides agent.listen)")
  .action(async (o: { config: string; vantage?: string; listen?: string }) => runCommand("agent", o));

program
  .command("collector")
  .description("run the collector: ingest, ledger, SLA engine, API, /metrics")
  .addOption(configOption().makeOptionMandatory())
  .action(async (o: { config: string }) => runCommand("collector", o));

program
  .command("check")
  .description("run every check once, print the results; exit 1 if any failed")
  .addOption(configOption().makeOptionMandatory())
  .addOption(vantageOption())
  .option("--service <name...>", "only these services")
  .option("--json", "print results as JSON lines")
  .action(async (o: { config: string; vantage?: string; service?: string[]; json?: boolean }) => {
    const config = loadConfigFile(o.config);
    const results = await checkOnce(config, o.vantage ?? config.vantagePoints[0]!.name, o.service);
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

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`mailsla: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
