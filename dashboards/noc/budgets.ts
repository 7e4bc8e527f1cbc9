import { INDICATORS } from "../../contract/indicators.js";
import { promInstant, steps, type DashboardOptions, type Row } from "../common.js";
import {
  displayOf,
  faultAndMaintenanceMinutes,
  indicatorDescription,
  indicatorTitle,
  inDisplayUnit,
  targeted,
  targetText,
  targetThresholds,
} from "../indicator-fields.js";
import { gaugePanel, graphPanel, statPanel } from "../panels.js";
import { burnPanel } from "./burn.js";

/**
 * NOC row "Month budgets": how much of this month's budgets is gone, against the targets of 7.1.2
 * (fault minutes), 7.1.3 (maintenance minutes), 7.1.4 (availability) and 7.1.5 (fault-free days
 * this year). Read from the collector's SLA gauges, computed by the engine at every scrape.
 */

/** A month-to-date minute budget as a gauge from 0 to its target, amber at the ticket ratio. */
function minuteGauge(key: "faultMinutes" | "maintenanceMinutes", metric: string, o: DashboardOptions) {
  const i = targeted(key);
  return gaugePanel(
    {
      title: `${indicatorTitle(key)} so far (${targetText(key)})`,
      description: indicatorDescription(
        key,
        `User-weighted minutes of this calendar month so far; amber past ${o.budgetTicketRatio * 100} % of the budget (the ticket alert), red at the target.`,
      ),
      span: 6,
    },
    i.target,
  )
    .unit(displayOf(key).unit)
    .thresholds(targetThresholds(key, o.budgetTicketRatio))
    .withTarget(promInstant(inDisplayUnit(key, metric), "this month"));
}

/** The row. */
export function budgetsRow(o: DashboardOptions): Row {
  const days = INDICATORS.faultFreeDays;
  return {
    title: `Month budgets (${INDICATORS.faultMinutes.clause}, ${INDICATORS.maintenanceMinutes.clause}, ${INDICATORS.availability.clause}, ${days.clause})`,
    panels: [
      minuteGauge("faultMinutes", "mailsla_sla_fault_weighted_seconds", o),
      minuteGauge("maintenanceMinutes", "mailsla_sla_maintenance_weighted_seconds", o),
      statPanel({
        title: `${indicatorTitle("availability")} so far (${targetText("availability")})`,
        description: indicatorDescription(
          "availability",
          "strict: as the clause defines it (any segment in fault counts); users: weighted by the users affected, like 7.1.2.",
        ),
        span: 6,
        height: 6,
      })
        .unit("percentunit")
        .decimals(3)
        .thresholds(targetThresholds("availability"))
        .withTarget(promInstant("mailsla_sla_availability_ratio", "{{weighting}}")),
      statPanel({
        title: `${indicatorTitle("faultFreeDays")} (${targetText("faultFreeDays")})`,
        description: indicatorDescription(
          "faultFreeDays",
          `Days of this calendar year that no fault touched, days still to come counted as fault-free; and the fault days the year may still have (${days.clause} allows days in the year - ${days.target}).`,
        ),
        span: 6,
        height: 6,
      })
        .thresholds(targetThresholds("faultFreeDays"))
        .withTarget(promInstant("mailsla_sla_fault_free_day_number", "fault-free days"))
        .overrideByName("fault days left", [{ id: "thresholds", value: steps("red", [0, "green"]).build() }])
        .withTarget(promInstant("mailsla_sla_budget_remaining_day_number", "fault days left")),
      statPanel({
        title: "Budgets used against the period elapsed",
        description:
          `Share of each budget used (1 = used up): month fault minutes (${INDICATORS.faultMinutes.clause}), month maintenance minutes ` +
          `(${INDICATORS.maintenanceMinutes.clause}), year fault days (${days.clause}); beside them how much of the month and year has passed. ` +
          "A budget used faster than its period passes will run out before the period ends.",
        span: 12,
        height: 6,
      })
        .unit("percentunit")
        .thresholds(steps("green", [o.budgetTicketRatio, "orange"], [1, "red"]))
        .withTarget(promInstant("mailsla_sla_budget_used_ratio", "{{clause}} {{indicator}} used"))
        .overrideByRegexp(".* elapsed", [{ id: "color", value: { mode: "fixed", fixedColor: "blue" } }])
        .withTarget(promInstant("mailsla_sla_period_elapsed_ratio", "{{period}} elapsed")),
      faultAndMaintenanceMinutes(
        graphPanel({
          title: `Minutes used this month against the budgets (${targetText("faultMinutes")}, ${targetText("maintenanceMinutes")})`,
          description:
            `User-weighted fault minutes (SPEC ${INDICATORS.faultMinutes.clause}) and maintenance minutes (SPEC ${INDICATORS.maintenanceMinutes.clause}) ` +
            "of the month so far, over the month. Dashed lines: the targets.",
          span: 12,
          height: 6,
        })
          .unit("m")
          .timeFrom("now/M"),
      ),
      burnPanel(),
    ],
  };
}
