import path from "node:path";
import { defaultAlertmanagerOptions, renderAlertmanager } from "../alerts/alertmanager.js";
import { alertOptionsFromConfig, type AlertOptions } from "../alerts/options.js";
import { renderRules } from "../alerts/rules.js";
import { renderRuleTests } from "../alerts/tests/cases.js";
import type { Config } from "../config/schema.js";
import { dashboardOptions } from "../dashboards/common.js";
import { DASHBOARDS, renderDashboard } from "../dashboards/index.js";

/**
 * What `mailsla rules` writes for an operator's own configuration: the committed files in
 * alerts/generated/ and dashboards/generated/ are the schema defaults' example (quorum 2, checks
 * every 60 s); an operator with 15 s checks or a quorum of 3 needs rules whose `for:`, matchers
 * and evaluation follow theirs, with promtool tests that prove them, and dashboards in their zone.
 */

/** One file to write, relative to the output directory. */
export interface OperatorFile {
  readonly path: string;
  readonly render: () => string;
}

/** The rules, their promtool tests, the Alertmanager example and the dashboards of `config`. */
export function operatorFiles(
  config: Pick<Config, "thresholds" | "agent" | "services" | "operator">,
  over: Partial<AlertOptions> = {},
): OperatorFile[] {
  const alerts = alertOptionsFromConfig(config, over);
  const dashboards = dashboardOptions(alerts, config.operator.timeZone);
  return [
    { path: "mailsla-rules.yml", render: () => renderRules(alerts) },
    { path: "mailsla-rules.test.yml", render: () => renderRuleTests(alerts, "mailsla-rules.yml") },
    { path: "alertmanager.yml", render: () => renderAlertmanager(defaultAlertmanagerOptions()) },
    ...DASHBOARDS.map((d) => ({
      path: path.join("dashboards", path.basename(d.path)),
      render: () => renderDashboard(d, dashboards),
    })),
  ];
}
