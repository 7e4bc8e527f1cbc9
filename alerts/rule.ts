import { forDuration, type AlertOptions } from "./options.js";

/**
 * The shape every generated alert takes. One builder gives each alert the same labels (severity,
 * clause) and annotations (summary, description, runbook_url), so Alertmanager routes, runbooks
 * and tests can rely on them without reading each rule.
 */

/** Who is told: on-call (page), a ticket for the working day, or the NOC screen (warning). */
export type Severity = "page" | "ticket" | "warning";

/** A Prometheus alerting rule, in the order its YAML keys are written. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

/** A named group of rules, as in a Prometheus rule file. */
export interface RuleGroup {
  readonly name: string;
  /** How often Prometheus evaluates the group; its global `evaluation_interval` when absent. */
  readonly interval?: string;
  readonly rules: readonly AlertRule[];
}

/** What a rule module says about one alert. */
export interface AlertSpec {
  readonly name: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires, at production speed. */
  readonly forMs?: number;
  readonly severity: Severity;
  /** The SPEC clause the alert protects, e.g. "7.1.2". */
  readonly clause: string;
  /** One line with the clause and the current value. */
  readonly summary: string;
  /** Why it fired, in words: the value, the target, what it costs. */
  readonly description: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Builds the rule of one alert. */
export function alertRule(o: AlertOptions, spec: AlertSpec): AlertRule {
  return {
    alert: spec.name,
    expr: spec.expr.trim(),
    ...(spec.forMs ? { for: forDuration(o, spec.forMs) } : {}),
    labels: { severity: spec.severity, clause: spec.clause, ...spec.labels },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: `${o.runbookBaseUrl}/${spec.name}.md`,
    },
  };
}

/** A number as PromQL and people write it: no float noise ("0.99", "600", "0.0092592593"). */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(10)));
}
