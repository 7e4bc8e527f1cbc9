import { defaultAlertOptions, promDuration, type AlertOptions } from "../options.js";
import { ruleGroups } from "../rules.js";
import { AVAILABILITY_CASES } from "./cases-availability.js";
import { configuredCases, evaluationMs } from "./cases-configured.js";
import { PROBE_CASES } from "./cases-probes.js";
import { renderPromtoolTests, type AlertCase } from "./promtool.js";

/**
 * The `promtool test rules` file for a set of rules: every alert has at least one case that fires
 * it and one that keeps it quiet (a test checks this). The cases of rules that depend on the
 * configuration are built from the options, so an operator's own rules get their own tests.
 */

/** Every case for rules rendered with `o`, in file order. */
export function alertCases(o: AlertOptions = defaultAlertOptions()): AlertCase[] {
  return [...configuredCases(o), ...AVAILABILITY_CASES, ...PROBE_CASES];
}

/**
 * The test file of the rules rendered with `o`, found at `ruleFile` from the test file; by default
 * the committed `alerts/tests/mailsla-rules.test.yml` for `alerts/generated/mailsla-rules.yml`.
 * `cases` narrows it (a fixture that proves only what its options change).
 */
export function renderRuleTests(
  o: AlertOptions = defaultAlertOptions(),
  ruleFile = "../generated/mailsla-rules.yml",
  cases: readonly AlertCase[] = alertCases(o),
): string {
  return renderPromtoolTests(ruleGroups(o), cases, ruleFile, promDuration(evaluationMs(o)));
}
