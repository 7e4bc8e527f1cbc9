import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as stat from "@grafana/grafana-foundation-sdk/stat";
import { INDICATORS, type IndicatorKey } from "../../contract/indicators.js";
import { promInstant, promTable, steps, valueText, type Row } from "../common.js";
import {
  displayOf,
  indicatorDescription,
  indicatorTitle,
  inDisplayUnit,
  PASS_FAIL,
  targetText,
  VERDICT_STATES,
  verdictQuery,
  targetThresholds,
} from "../indicator-fields.js";
import { statPanel, tablePanel } from "../panels.js";

/**
 * Compliance row "The month against SPEC 7.1": every measured indicator of the chosen month
 * (`$month`) beside its target, as the collector's engine computed it. A panel's time range is the
 * calendar month (`timeFrom now/M`, `timeShift ${month}M/M`, in the dashboard's zone, which is the
 * operator's), and each query takes the last value inside it: the month-to-date gauge just before
 * the month ended is the month's figure. Prometheus must keep 12 months for the older months.
 */

/** Indicators measured by probes (the others are entered by the operator and shown in the report). */
export type MeasuredKey = {
  [K in IndicatorKey]: (typeof INDICATORS)[K]["source"] extends "measured" ? K : never;
}[IndicatorKey];

/**
 * The collector gauge of each measured indicator (collector/metrics/figure-gauges.ts). A Record
 * over every measured key: a new measured indicator in indicators.ts fails the type check here
 * until the compliance dashboard shows it.
 */
export const MONTH_FIGURES: Record<MeasuredKey, string> = {
  faultMinutes: "mailsla_sla_fault_weighted_seconds",
  maintenanceMinutes: "mailsla_sla_maintenance_weighted_seconds",
  availability: 'mailsla_sla_availability_ratio{weighting="strict"}',
  faultFreeDays: "mailsla_sla_fault_free_day_number",
  sendDelayAverage: 'mailsla_sla_delivery_delay_average_seconds{direction="send"}',
  sendDelayMaximum: 'mailsla_sla_delivery_delay_maximum_seconds{direction="send"}',
  receiveDelayAverage: 'mailsla_sla_delivery_delay_average_seconds{direction="receive"}',
  receiveDelayMaximum: 'mailsla_sla_delivery_delay_maximum_seconds{direction="receive"}',
  faultFreeRate: "mailsla_sla_fault_free_ratio",
  lossRate: 'mailsla_sla_loss_ratio{direction="receive"}',
  smtpAuthRequired: 'mailsla_sla_compliant{indicator="smtpAuthRequired"}',
  openRelayClosed: 'mailsla_sla_compliant{indicator="openRelayClosed"}',
};

/** The panel time of the chosen calendar month. */
export function inMonth<P extends { timeFrom(t: string): P; timeShift(t: string): P }>(panel: P): P {
  return panel.timeFrom("now/M").timeShift("${month}M/M");
}

/** `metric` at the end of the panel's month. */
const atMonthEnd = (metric: string) => `last_over_time(${metric}[$__range])`;

function figureStat(key: MeasuredKey): stat.PanelBuilder {
  const i = INDICATORS[key];
  const verdict = i.comparison === "required";
  const target = "target" in i ? ` (${targetText(key)})` : i.comparison === "reported" ? " (reported)" : "";
  const panel = statPanel({
    title: `${indicatorTitle(key)}${target}`,
    description: indicatorDescription(
      key,
      key === "faultFreeDays"
        ? "Days of the year up to the end of the chosen month that no fault touched, later days counted as fault-free."
        : "The chosen calendar month as the engine computed it.",
    ),
    span: 6,
  }).withTarget(promInstant(inDisplayUnit(key, atMonthEnd(MONTH_FIGURES[key])), i.clause));
  if (verdict) return inMonth(panel.mappings(valueText(PASS_FAIL)));
  panel.unit(displayOf(key).unit).decimals(i.unit === "ratio" ? 4 : 1);
  return inMonth(
    "target" in i ? panel.thresholds(targetThresholds(key)) : panel.colorMode(common.BigValueColorMode.None),
  );
}

/** The row. */
export function monthRow(): Row {
  const keys = Object.keys(MONTH_FIGURES) as MeasuredKey[];
  return {
    title: "The chosen month against SPEC 7.1 (collector's engine)",
    panels: [
      inMonth(
        tablePanel({
          title: "Verdict per figure in the chosen month",
          description:
            "PASS when the figure met its SPEC target and the unseen time could not change that, FAIL when it missed the target as seen, UNPROVEN when the monitoring saw too little of the month to prove it either way (no data, or unknown time that could hold a failure). Figures that are only reported (7.1.12) have no verdict.",
          span: 12,
          height: 9,
        })
          .mappings(valueText(VERDICT_STATES))
          .withTarget(promTable(verdictQuery(atMonthEnd))),
      ),
      inMonth(
        statPanel({
          title: "Coverage of the chosen month (6.1.2)",
          description:
            "Share of the month in which the quorum of vantage points could see every segment; unknown time is neither fault nor fault-free.",
          span: 6,
          height: 9,
        })
          .unit("percentunit")
          .thresholds(steps("orange", [1, "green"]))
          .withTarget(promInstant(atMonthEnd("mailsla_sla_coverage_ratio"), "coverage")),
      ),
      inMonth(
        statPanel({
          title: "Force majeure excused (1.5)",
          description: `User-weighted fault minutes of the month excused as force majeure (SPEC 1.5): shown apart, not counted in ${INDICATORS.faultMinutes.clause}.`,
          span: 6,
          height: 9,
        })
          .unit("m")
          .colorMode(common.BigValueColorMode.None)
          .withTarget(promInstant(`${atMonthEnd("mailsla_sla_force_majeure_weighted_seconds")} / 60`, "1.5")),
      ),
      ...keys.map(figureStat),
    ],
  };
}
