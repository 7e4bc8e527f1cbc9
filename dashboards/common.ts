import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { defaultAlertOptions, type AlertOptions } from "../alerts/options.js";
import { Operator } from "../config/schema.js";
import { InfluxqlBuilder } from "./influxql.js";

/**
 * Builders every dashboard row shares (kubernetes-mixin's `common`): datasources as template
 * variables, Prometheus and InfluxQL targets, the options that dashboards share with the alert
 * rules, and the assembly that turns rows into one dashboard with stable panel ids and refIds.
 * What an indicator looks like (titles, units, thresholds) lives in `indicator-fields.ts`.
 */

/** Panels read live data through the `DS_PROMETHEUS` variable, so one JSON serves any Grafana. */
export const PROMETHEUS: dashboard.DataSourceRef = { type: "prometheus", uid: "${DS_PROMETHEUS}" };

/** Panels read long history (InfluxQL) through the `DS_INFLUXDB` variable. */
export const INFLUXDB: dashboard.DataSourceRef = { type: "influxdb", uid: "${DS_INFLUXDB}" };

/** The `datasource`-type variables behind {@link PROMETHEUS} and {@link INFLUXDB}. */
export function datasourceVariable(kind: "prometheus" | "influxdb"): dashboard.DatasourceVariableBuilder {
  const name = kind === "prometheus" ? "DS_PROMETHEUS" : "DS_INFLUXDB";
  return new dashboard.DatasourceVariableBuilder(name)
    .label(kind === "prometheus" ? "Prometheus" : "InfluxDB")
    .type(kind);
}

/**
 * What the dashboards share with the alert rules (alerts/options.ts) and the configuration, so a
 * colour turns red where an alert fires and months start where the engine starts them.
 */
export interface DashboardOptions {
  /** The operator's zone (`operator.timeZone`): calendar days and months of the history panels. */
  readonly timeZone: string;
  /** Prometheus job names of the agents and the collector. */
  readonly jobs: AlertOptions["jobs"];
  /** A check older than this is stale (the MailslaChecksStale alert). */
  readonly staleAfterSeconds: number;
  /** An agent without a push for this long is silent (the MailslaAgentSilent alert). */
  readonly agentSilentAfterSeconds: number;
  /** Share of a budget past which a ticket opens: the amber step of budget panels. */
  readonly budgetTicketRatio: number;
  /** Certificate expiry warning and page, days ahead. */
  readonly certificateDays: AlertOptions["certificateDays"];
}

/** Options of the committed dashboards: the alert defaults and the schema's default zone. */
export function dashboardOptions(
  alerts: AlertOptions = defaultAlertOptions(),
  timeZone: string = Operator.shape.timeZone.parse(undefined),
): DashboardOptions {
  return {
    timeZone,
    jobs: alerts.jobs,
    staleAfterSeconds: alerts.staleAfterMs / 1000,
    agentSilentAfterSeconds: alerts.agentSilentAfterMs / 1000,
    budgetTicketRatio: alerts.budgetTicketRatio,
    certificateDays: alerts.certificateDays,
  };
}

/** A Prometheus range query (graphs); `legend` is a legendFormat such as `{{service}}`. */
export function prom(expr: string, legend?: string): DataqueryBuilder {
  const q = new DataqueryBuilder()
    .expr(expr.trim())
    .range()
    .format(PromQueryFormat.TimeSeries)
    .datasource(PROMETHEUS);
  return legend ? q.legendFormat(legend) : q;
}

/** A Prometheus instant query (stats, gauges, tables): the value at the end of the panel's range. */
export function promInstant(expr: string, legend?: string): DataqueryBuilder {
  return prom(expr, legend).instant();
}

/** An instant Prometheus query shaped as a table (one row per series, labels as columns). */
export function promTable(expr: string): DataqueryBuilder {
  return promInstant(expr).format(PromQueryFormat.Table);
}

/** A raw InfluxQL query; `alias` names the series (`$tag_direction`, `$col`). */
export function influxql(query: string, alias?: string): InfluxqlBuilder {
  const q = new InfluxqlBuilder(query.trim().replace(/\s+/g, " ")).datasource(INFLUXDB);
  return alias ? q.alias(alias) : q;
}

/** One row of a dashboard: a module per row builds one of these. */
export interface Row {
  readonly title: string;
  readonly panels: readonly cog.Builder<dashboard.Panel>[];
}

/**
 * Adds the rows to `builder` and builds the dashboard, numbering panels 1, 2, ... in reading order
 * and naming each target A, B, ... within its panel: ids and refIds stay stable across
 * regenerations, so links to a panel (`viewPanel=`) survive a change elsewhere.
 */
export function assemble(builder: dashboard.DashboardBuilder, rows: readonly Row[]): dashboard.Dashboard {
  for (const row of rows) {
    builder.withRow(new dashboard.RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const built = builder.build();
  for (const v of built.templating?.list ?? []) {
    // The SDK (10.4) writes interval-variable fields on every variable; Grafana's schema has them on none.
    if (v.type !== "interval")
      for (const key of ["auto", "auto_min", "auto_count"])
        delete (v as unknown as Record<string, unknown>)[key];
  }
  let id = 0;
  for (const panel of built.panels ?? []) {
    panel.id = ++id;
    const targets = "targets" in panel ? (panel.targets ?? []) : [];
    targets.forEach((t, i) => ((t as { refId?: string }).refId = String.fromCharCode(65 + i)));
  }
  return built;
}

/** The first dashboard settings every mailsla dashboard shares: uid, tags, zone, links. */
export function baseDashboard(
  title: string,
  uid: string,
  o: DashboardOptions,
  description: string,
): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(["mailsla", "generated"])
    .timezone(o.timeZone)
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder("mailsla")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(["mailsla"])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(false),
    );
}

/**
 * A live dashboard (the NOC overview, probe detail): the base settings, the last 6 hours refreshed
 * every minute, and the Prometheus data source as its first variable.
 */
export function liveDashboard(
  title: string,
  uid: string,
  o: DashboardOptions,
  description: string,
): dashboard.DashboardBuilder {
  return baseDashboard(title, uid, o, description)
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .withVariable(datasourceVariable("prometheus"));
}

/** Value mappings turning numbers into words and colours (state timelines and stats). */
export function valueText(
  entries: Record<string, { text: string; color: string }>,
): dashboard.ValueMapping[] {
  return [{ type: dashboard.MappingType.ValueToText, options: entries }];
}

/** Absolute threshold steps, first step from minus infinity. */
export function steps(base: string, ...rest: [number, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...rest.map(([value, color]) => ({ value, color }))]);
}

/**
 * A multi-value Prometheus variable from `label_values(selector, label)`. "All" is `.*` rather than
 * the list of values, so a value that appears after the dashboard loaded is not left out.
 */
export function labelVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .query(query)
    .datasource(PROMETHEUS)
    .multi(true)
    .includeAll(true)
    .allValue(".*")
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}
