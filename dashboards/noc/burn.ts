import {
  BURN_COVERAGE_METRIC,
  BURN_RATE_METRIC,
  BURN_WINDOWS,
  windowLabel,
} from "../../alerts/collector-windows.js";
import { INDICATORS } from "../../contract/indicators.js";
import { promInstant, steps } from "../common.js";
import { statPanel } from "../panels.js";

/**
 * The fault budget's burn per window as the paging rules read it: the collector's burn rates from
 * its ledger (alerts/collector-windows.ts), each beside the share of its window the monitoring saw.
 * The NOC sees the number the page compares, not an average of Prometheus' own samples.
 */

/** Red from the lowest page factor, amber from the lowest ticket factor. */
function burnSteps() {
  const factor = (severity: string) =>
    Math.min(...BURN_WINDOWS.filter((w) => w.severity === severity).map((w) => w.factor));
  return steps("green", [factor("ticket"), "orange"], [factor("page"), "red"]);
}

/** "1h and 5m with 14.4 (page), ...": what each alert compares, from the rules' own table. */
function pairs(): string {
  return BURN_WINDOWS.map(
    (w) => `${windowLabel(w.longMs)} and ${windowLabel(w.shortMs)} with ${w.factor} (${w.severity})`,
  ).join(", ");
}

/** One stat per window: burn rate (x the pace a 30-day month allows), and each window's coverage. */
export function burnPanel() {
  const f = INDICATORS.faultMinutes;
  return statPanel({
    title: `${f.clause} fault budget burn rate per window (collector)`,
    description:
      `User-weighted fault minutes of each window ending now, from the collector's ledger, as a multiple of the pace ` +
      `SPEC ${f.clause} allows (${f.target} minutes in 30 days = 1). The alerts compare ${pairs()}. Unknown time ` +
      `counts as no fault: "seen" is the share of each window the quorum of vantage points could see.`,
    span: 24,
    height: 5,
  })
    .decimals(2)
    .thresholds(burnSteps())
    .withTarget(promInstant(`max by (window) (${BURN_RATE_METRIC})`, "{{window}}"))
    .overrideByRegexp("seen .*", [
      { id: "unit", value: "percentunit" },
      { id: "thresholds", value: steps("orange", [1, "green"]).build() },
    ])
    .withTarget(promInstant(`max by (window) (${BURN_COVERAGE_METRIC})`, "seen {{window}}"));
}
