/**
 * Reads the committed dashboards the way Grafana would: every panel target (PromQL or InfluxQL)
 * with the panel's time override, and every query variable. Tests read the JSON files, not the
 * builders, so what is checked is what an operator imports.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { DASHBOARDS } from "../../dashboards/index.js";
import { ROOT } from "../../scripts/generate.js";

/** A dashboard as committed (only the fields the tests read are typed). */
export interface DashboardJson {
  uid: string;
  title: string;
  /** The operator's zone: calendar months of the panel time overrides are taken in it. */
  timezone: string;
  time: { from: string; to: string };
  panels: PanelJson[];
  templating: { list: VariableJson[] };
}

/** A panel as committed. */
export interface PanelJson {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Record<string, unknown>[];
  timeFrom?: string;
  timeShift?: string;
  fieldConfig?: { defaults: { thresholds?: { steps: { value: number | null }[] } } };
}

/** A template variable as committed. */
export interface VariableJson {
  type: string;
  name: string;
  query?: string | Record<string, unknown>;
  datasource?: { type: string; uid: string };
}

/** One query of one panel, with what is needed to run it as Grafana would. */
export interface PanelQuery {
  /** "mailsla-noc #7 B": where it is, for messages. */
  readonly where: string;
  readonly title: string;
  readonly language: "promql" | "influxql";
  readonly text: string;
  /** Prometheus: an instant query (stats, tables) rather than a range query (graphs). */
  readonly instant: boolean;
  readonly timeFrom?: string;
  readonly timeShift?: string;
  /** The dashboard's default range start, e.g. "now-6h". */
  readonly dashboardFrom: string;
}

/** Every committed dashboard, parsed. */
export function committedDashboards(): DashboardJson[] {
  return DASHBOARDS.map((d) => JSON.parse(readFileSync(path.join(ROOT, d.path), "utf8")) as DashboardJson);
}

/** Every panel target of `d`. */
export function panelQueries(d: DashboardJson): PanelQuery[] {
  return d.panels.flatMap((p) =>
    (p.targets ?? []).map((t): PanelQuery => {
      const influx = p.datasource?.type === "influxdb";
      return {
        where: `${d.uid} #${p.id} ${String(t.refId)}`,
        title: p.title,
        language: influx ? "influxql" : "promql",
        text: String(influx ? t.query : t.expr),
        instant: t.instant === true,
        ...(p.timeFrom ? { timeFrom: p.timeFrom } : {}),
        ...(p.timeShift ? { timeShift: p.timeShift } : {}),
        dashboardFrom: d.time.from,
      };
    }),
  );
}

/** The `label_values(selector, label)` query variables of `d` (all of mailsla's are of that form). */
export function labelVariables(d: DashboardJson): { name: string; selector: string; label: string }[] {
  return d.templating.list
    .filter((v) => v.type === "query")
    .map((v) => {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(String(v.query));
      if (!m) throw new Error(`${d.uid}: variable ${v.name} is not label_values(...): ${String(v.query)}`);
      return { name: v.name, selector: m[1]!, label: m[2]! };
    });
}
