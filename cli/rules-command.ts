import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import { loadConfigFile } from "../config/load.js";

/**
 * `mailsla rules --config FILE --out DIR`: renders the Prometheus rules, their promtool tests, the
 * Alertmanager example and the Grafana dashboards for the operator's own configuration (quorum,
 * check intervals, time zone), so that `for:` durations follow the checks they wait for. The
 * rendering code is loaded only when the command runs.
 */
export function rulesCommand(): Command {
  return new Command("rules")
    .alias("generate")
    .description(
      "render Prometheus rules, their promtool tests, the Alertmanager example and dashboards for a configuration",
    )
    .addOption(
      new Option("-c, --config <file>", "configuration file (YAML)")
        .env("MAILSLA_CONFIG")
        .makeOptionMandatory(),
    )
    .requiredOption("--out <dir>", "directory to write into (created; files of the same names are replaced)")
    .option(
      "--runbook-base-url <url>",
      "where docs/runbooks/ is served: each alert's runbook_url is <url>/<Alert>.md",
      "docs/runbooks",
    )
    .action(async (o: { config: string; out: string; runbookBaseUrl: string }) => {
      const config = loadConfigFile(o.config);
      const { operatorFiles } = await import("./rules-files.js");
      for (const file of operatorFiles(config, { runbookBaseUrl: o.runbookBaseUrl })) {
        const abs = path.join(o.out, file.path);
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, file.render());
        console.log(`wrote ${abs}`);
      }
      console.log(
        `check: promtool check rules ${path.join(o.out, "mailsla-rules.yml")} && (cd ${o.out} && promtool test rules mailsla-rules.test.yml)`,
      );
    });
}
