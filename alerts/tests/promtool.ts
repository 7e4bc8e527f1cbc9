import { stringify } from "yaml";
import type { AlertRule, RuleGroup } from "../rule.js";
import { generatedHeader } from "../rules.js";

/**
 * Turns hand-written alert test cases into a `promtool test rules` file. promtool compares every
 * annotation of a firing alert, so the expected annotations are the rule's own templates with
 * `$labels.x` and `$value` filled in from the case: the case states the *humanized* value it
 * expects (e.g. "85%", "15m 0s"), and promtool checks Prometheus renders exactly that.
 */

/** One alert the case expects to fire: its full label set and its value as each template shows it. */
export interface ExpectedAlert {
  readonly labels: Readonly<Record<string, string>>;
  /** Rendered `$value` by template function: "" for `{{ $value }}`, "humanizePercentage", ... */
  readonly value?: Readonly<Record<string, string>>;
}

/** At `at`, exactly `fires` of `alert` are firing (none: it stays quiet). */
export interface AlertCheck {
  readonly at: string;
  readonly alert: string;
  readonly fires: readonly ExpectedAlert[];
}

/** A scenario: input series (promtool's expanding notation) and what should fire when. */
export interface AlertCase {
  readonly name: string;
  readonly interval?: string;
  readonly series: readonly { readonly series: string; readonly values: string }[];
  readonly checks: readonly AlertCheck[];
}

const VALUE = /\{\{\s*\$value(?:\s*\|\s*(\w+))?\s*\}\}/g;
const LABEL = /\{\{\s*\$labels\.(\w+)\s*\}\}/g;

function fill(template: string, e: ExpectedAlert, where: string): string {
  const text = template
    .replace(LABEL, (_, name: string) => e.labels[name] ?? "")
    .replace(VALUE, (_, fn: string | undefined) => {
      const v = e.value?.[fn ?? ""];
      if (v === undefined)
        throw new Error(`${where}: the case gives no value for {{ $value${fn ? ` | ${fn}` : ""} }}`);
      return v;
    });
  if (text.includes("{{")) throw new Error(`${where}: unsupported template left in "${text}"`);
  return text;
}

/**
 * The rule that produces an alert: same name, and its static labels within the expected ones; of
 * several, those with the most static labels (an alert labelled `check_interval="5m"` comes from the
 * rule that sets it, not from the default rule whose labels it also contains).
 */
function ruleFor(groups: readonly RuleGroup[], alert: string, labels: Record<string, string>): AlertRule {
  const matching = groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert === alert && Object.entries(r.labels).every(([k, v]) => labels[k] === v));
  const most = Math.max(0, ...matching.map((r) => Object.keys(r.labels).length));
  const rules = matching.filter((r) => Object.keys(r.labels).length === most);
  if (rules.length === 0) throw new Error(`no rule ${alert} with labels matching ${JSON.stringify(labels)}`);
  const texts = new Set(rules.map((r) => JSON.stringify(r.annotations)));
  if (texts.size > 1)
    throw new Error(`rules ${alert} differ in annotations; give a label that tells them apart`);
  return rules[0]!;
}

function expected(groups: readonly RuleGroup[], check: AlertCheck, e: ExpectedAlert) {
  const where = `${check.alert} at ${check.at}`;
  const rule = ruleFor(groups, check.alert, e.labels);
  const a = rule.annotations;
  return {
    exp_labels: e.labels,
    exp_annotations: {
      summary: fill(a.summary, e, where),
      description: fill(a.description, e, where),
      runbook_url: a.runbook_url,
    },
  };
}

/**
 * The promtool test file for `cases` against the rule file at `ruleFile` (relative to the test
 * file), rules evaluated every `evaluationInterval` (promtool steps every group at this rate).
 */
export function renderPromtoolTests(
  groups: readonly RuleGroup[],
  cases: readonly AlertCase[],
  ruleFile: string,
  evaluationInterval = "1m",
) {
  const tests = cases.map((c) => ({
    name: c.name,
    interval: c.interval ?? "1m",
    input_series: c.series,
    alert_rule_test: c.checks.map((check) => ({
      eval_time: check.at,
      alertname: check.alert,
      exp_alerts: check.fires.map((e) => expected(groups, check, e)),
    })),
  }));
  const doc = { rule_files: [ruleFile], evaluation_interval: evaluationInterval, tests };
  return generatedHeader("alerts/tests/cases*.ts") + stringify(doc, { lineWidth: 0 });
}
