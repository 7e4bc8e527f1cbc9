import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboardOptions, type DashboardOptions } from "./common.js";
import { complianceDashboard } from "./compliance.js";
import { nocDashboard } from "./noc.js";
import { probeDetailDashboard } from "./probe-detail.js";

/**
 * Every dashboard mailsla ships, by the file it is committed as. scripts/generate.ts writes them,
 * and the tests read the same list, so a dashboard added here is generated, validated and has its
 * queries run without anything else to remember.
 */

/** One committed dashboard: where it goes and how it is built. */
export interface DashboardFile {
  readonly path: string;
  readonly build: (o: DashboardOptions) => dashboard.Dashboard;
}

/** The dashboards, in the order a reader meets them. */
export const DASHBOARDS: readonly DashboardFile[] = [
  { path: "dashboards/generated/mailsla-noc.json", build: nocDashboard },
  { path: "dashboards/generated/mailsla-compliance.json", build: complianceDashboard },
  { path: "dashboards/generated/mailsla-probe-detail.json", build: probeDetailDashboard },
];

/** The JSON text of one dashboard as committed (before Prettier, which generate.ts applies). */
export function renderDashboard(file: DashboardFile, o: DashboardOptions = dashboardOptions()): string {
  return `${JSON.stringify(file.build(o), null, 2)}\n`;
}

/** The dashboards as scripts/generate.ts lists generated files (path and a pure render). */
export const GENERATED_DASHBOARDS: readonly { path: string; render: () => string }[] = DASHBOARDS.map(
  (file) => ({
    path: file.path,
    render: () => renderDashboard(file),
  }),
);
