import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format, resolveConfig } from "prettier";
import { defaultAlertmanagerOptions, renderAlertmanager } from "../alerts/alertmanager.js";
import { alertOptionsFromConfig, defaultAlertOptions } from "../alerts/options.js";
import { renderRules } from "../alerts/rules.js";
import { renderRuleTests } from "../alerts/tests/cases.js";
import { configuredCases } from "../alerts/tests/cases-configured.js";
import { Agent, Thresholds } from "../config/schema.js";
import { GENERATED_DASHBOARDS } from "../dashboards/index.js";

/**
 * Writes every generated, committed file (kubernetes-mixin style: CI regenerates and fails on a
 * diff). Each file is one line of {@link GENERATED}; a new generator (dashboards, ...) adds a line.
 * Output goes through Prettier so `prettier --check` and regeneration agree byte for byte.
 */

/** One generated file: its path from the repository root and a pure function that renders it. */
export interface GeneratedFile {
  readonly path: string;
  readonly render: () => string;
}

/**
 * The rules of a configuration whose checks run every 15 s, with their promtool tests: the
 * committed proof that `for:` and evaluation follow the configured interval (a service down pages
 * within a minute of the quorum confirming, not after the 60 s default's 2 minutes).
 */
export const FIFTEEN_SECOND_CHECKS = alertOptionsFromConfig({
  thresholds: Thresholds.parse({}),
  agent: Agent.parse({ interval: "15s" }),
  services: [],
});

/** Every generated file. */
export const GENERATED: readonly GeneratedFile[] = [
  { path: "alerts/generated/mailsla-rules.yml", render: () => renderRules(defaultAlertOptions()) },
  {
    path: "alerts/generated/alertmanager.yml",
    render: () => renderAlertmanager(defaultAlertmanagerOptions()),
  },
  { path: "alerts/tests/mailsla-rules.test.yml", render: () => renderRuleTests() },
  {
    path: "alerts/tests/checks-15s/mailsla-rules.yml",
    render: () => renderRules(FIFTEEN_SECOND_CHECKS),
  },
  {
    path: "alerts/tests/checks-15s/mailsla-rules.test.yml",
    // only the cases its options change; the rest are the default file's
    render: () =>
      renderRuleTests(FIFTEEN_SECOND_CHECKS, "mailsla-rules.yml", configuredCases(FIFTEEN_SECOND_CHECKS)),
  },
  ...GENERATED_DASHBOARDS,
];

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Renders and formats one file exactly as it is committed. */
export async function renderFormatted(file: GeneratedFile): Promise<string> {
  const abs = path.join(ROOT, file.path);
  const config = (await resolveConfig(abs)) ?? {};
  return format(file.render(), { ...config, filepath: abs });
}

/** Writes every generated file; returns their paths. */
export async function generate(): Promise<string[]> {
  for (const file of GENERATED) {
    const abs = path.join(ROOT, file.path);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, await renderFormatted(file));
  }
  return GENERATED.map((f) => f.path);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const written of await generate()) console.log(`wrote ${written}`);
}
