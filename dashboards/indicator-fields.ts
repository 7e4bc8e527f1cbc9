import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import type * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { describeIndicator, INDICATORS, type Indicator, type IndicatorKey } from "../contract/indicators.js";
import { prom, steps } from "./common.js";

/**
 * How a SPEC indicator appears on a dashboard: its title with the clause, the Grafana unit, the
 * factor from the collector's base unit, and threshold colours at its target. Every number comes
 * from contract/indicators.ts, so a target changed there recolours every panel on the next
 * `npx tsx scripts/generate.ts`, and no dashboard ever types a target again.
 */

/** A measured indicator with a target (every panel that colours by target needs one). */
export interface Targeted extends Indicator {
  readonly target: number;
}

/** The indicator, or a thrown error at generation time when a panel asks for a target it lacks. */
export function targeted(key: IndicatorKey): Targeted {
  const i: Indicator = INDICATORS[key];
  if (i.target === undefined) throw new Error(`${key} (${i.clause}) has no target to draw`);
  return i as Targeted;
}

/** "7.1.2 Monthly user-weighted fault duration": the clause first, as the report writes it. */
export function indicatorTitle(key: IndicatorKey): string {
  const i: Indicator = INDICATORS[key];
  return `${i.clause} ${i.title}`;
}

/** "≤ 400 min", "≥ 99 %": the target the way a title shows it. */
export function targetText(key: IndicatorKey): string {
  const i = targeted(key);
  const sign = i.comparison === "<=" ? "≤" : "≥";
  if (i.unit === "ratio") return `${sign} ${+(i.target * 100).toFixed(4)} %`;
  const unit = { minutes: "min", seconds: "s", days: "days" }[i.unit as string] ?? i.unit;
  return `${sign} ${i.target} ${unit}`;
}

/** The panel description: the clause's own phrase (describeIndicator) and what the panel adds. */
export function indicatorDescription(key: IndicatorKey, more: string): string {
  return `${describeIndicator(key)}. ${more}`;
}

/** Display of an indicator unit: Grafana's unit id and the divisor from the Prometheus base unit. */
export interface Display {
  readonly unit: string;
  /** Base-unit value / perBase = displayed value (minutes are exported in seconds). */
  readonly perBase: number;
}

const DISPLAY: Partial<Record<Indicator["unit"], Display>> = {
  minutes: { unit: "m", perBase: 60 },
  seconds: { unit: "s", perBase: 1 },
  ratio: { unit: "percentunit", perBase: 1 },
  days: { unit: "none", perBase: 1 },
  boolean: { unit: "none", perBase: 1 },
};

/** How the indicator's values are shown. */
export function displayOf(key: IndicatorKey): Display {
  const d = DISPLAY[INDICATORS[key].unit];
  if (!d) throw new Error(`${key}: no dashboard display for unit ${INDICATORS[key].unit}`);
  return d;
}

/** `expr` converted from the base unit to the displayed one (`(expr) / 60` for minutes). */
export function inDisplayUnit(key: IndicatorKey, expr: string): string {
  const { perBase } = displayOf(key);
  return perBase === 1 ? expr : `(${expr}) / ${perBase}`;
}

/**
 * Threshold colours at the target: green on the passing side, red on the failing side, and for
 * `<=` budgets amber from `warnRatio` x target (the alert rules' ticket ratio). Grafana colours a
 * value equal to a step with that step, so a `<=` value exactly at its target shows red although
 * it still passes; a `>=` value at its target shows green, as it should.
 */
export function targetThresholds(key: IndicatorKey, warnRatio?: number): dashboard.ThresholdsConfigBuilder {
  const i = targeted(key);
  if (i.comparison === ">=") return steps("red", [i.target, "green"]);
  if (warnRatio === undefined) return steps("green", [i.target, "red"]);
  return steps("green", [i.target * warnRatio, "orange"], [i.target, "red"]);
}

/**
 * The month-to-date user-weighted fault minutes (7.1.2, series `fault`) and maintenance minutes
 * (7.1.3, series `maintenance`) from Prometheus, each coloured at its own target.
 */
export function faultAndMaintenanceMinutes(panel: timeseries.PanelBuilder): timeseries.PanelBuilder {
  return panel
    .thresholds(targetThresholds("faultMinutes"))
    .overrideByName("maintenance", [
      { id: "thresholds", value: targetThresholds("maintenanceMinutes").build() },
    ])
    .withTarget(prom(inDisplayUnit("faultMinutes", "mailsla_sla_fault_weighted_seconds"), "fault"))
    .withTarget(
      prom(inDisplayUnit("maintenanceMinutes", "mailsla_sla_maintenance_weighted_seconds"), "maintenance"),
    );
}

/** Verdict of a 0/1 series: the words the report uses. */
export const PASS_FAIL = {
  "0": { text: "FAIL", color: "red" },
  "1": { text: "PASS", color: "green" },
} as const;

/**
 * A figure's verdict encoded as one number by {@link verdictQuery}: the words and colours of the
 * report and the status page, UNPROVEN never green.
 */
export const VERDICT_STATES = {
  "0": { text: "FAIL", color: "red" },
  "1": { text: "PASS", color: "green" },
  "2": { text: "UNPROVEN", color: "orange" },
} as const;

/** The verdict gauge (mailsla_sla_verdict, a state set) of `range` as 1 PASS, 0 FAIL, 2 UNPROVEN per figure. */
export function verdictQuery(at: (metric: string) => string): string {
  const state = (v: string) =>
    `max by (clause, indicator, figure) (${at(`mailsla_sla_verdict{verdict="${v}"}`)})`;
  return `${state("pass")} + 2 * ${state("unproven")}`;
}

/** The delay indicators by probe direction (roundtrip has no clause: it is what a user sees). */
export const DELAY_INDICATORS = {
  send: { average: "sendDelayAverage", maximum: "sendDelayMaximum" },
  receive: { average: "receiveDelayAverage", maximum: "receiveDelayMaximum" },
} as const satisfies Record<string, Record<"average" | "maximum", IndicatorKey>>;

/** A panel builder that can colour one series differently (every SDK panel builder can). */
interface Overridable {
  overrideByName(name: string, properties: dashboard.DynamicConfigValue[]): unknown;
  overrideByRegexp(regexp: string, properties: dashboard.DynamicConfigValue[]): unknown;
}

/**
 * Colours the series named `send` and `receive` (legend `{{direction}}`), or starting with
 * "send " and "receive " (`match` "prefix"), by their own clause: 7.1.8 for send, 7.1.9 for
 * receive. `thresholds(keys)` picks the steps from the direction's indicators.
 */
export function byDirection<P extends Overridable>(
  panel: P,
  thresholds: (keys: (typeof DELAY_INDICATORS)["send" | "receive"]) => dashboard.ThresholdsConfigBuilder,
  match: "name" | "prefix" = "name",
): P {
  for (const [direction, keys] of Object.entries(DELAY_INDICATORS)) {
    const properties = [{ id: "thresholds", value: thresholds(keys).build() }];
    if (match === "name") panel.overrideByName(direction, properties);
    else panel.overrideByRegexp(`^${direction} `, properties);
  }
  return panel;
}

/** An age or delay against both delay targets: amber past the average's, red past the maximum's. */
export function delayAgeThresholds(keys: {
  average: IndicatorKey;
  maximum: IndicatorKey;
}): dashboard.ThresholdsConfigBuilder {
  return steps("green", [targeted(keys.average).target, "orange"], [targeted(keys.maximum).target, "red"]);
}

/** "7.1.8 / 7.1.9": the clauses of the two directions, for titles of panels that show both. */
export function delayClauses(stat: "average" | "maximum"): string {
  const send = INDICATORS[DELAY_INDICATORS.send[stat]].clause;
  const receive = INDICATORS[DELAY_INDICATORS.receive[stat]].clause;
  return `${send} / ${receive}`;
}
