import { defaultAlertOptions } from "../options.js";
import { ruleGroups } from "../rules.js";
import { AVAILABILITY_CASES } from "./cases-availability.js";
import { PROBE_CASES } from "./cases-probes.js";
import { renderPromtoolTests, type AlertCase } from "./promtool.js";

/**
 * The `promtool test rules` file for the committed rules: every alert has at least one case that
 * fires it and one that keeps it quiet (a test checks this).
 */

/** Every case, in file order. */
export const ALERT_CASES: readonly AlertCase[] = [...AVAILABILITY_CASES, ...PROBE_CASES];

/** The test file, next to the rules it tests: `alerts/tests/mailsla-rules.test.yml`. */
export function renderRuleTests(): string {
  return renderPromtoolTests(
    ruleGroups(defaultAlertOptions()),
    ALERT_CASES,
    "../generated/mailsla-rules.yml",
  );
}
