import { INDICATORS, type Comparison, type IndicatorKey } from "../../contract/indicators.js";

/**
 * A computed indicator with everything a reader needs to judge it: clause, target, comparison and
 * error bound come from the catalogue in indicators.ts, so no dashboard, alert or report writes a
 * threshold a second time (DESIGN step 9).
 */

/** One measured value against its clause. */
export interface Figure {
  readonly key: IndicatorKey;
  readonly clause: string;
  readonly title: string;
  readonly comparison: Comparison;
  readonly target: number | null;
  readonly unit: string;
  /** `null` when not measurable (no samples, no time elapsed). */
  readonly value: number | boolean | null;
  /** `null` when not measurable, or when the indicator is only reported. */
  readonly pass: boolean | null;
  /** Half-width of the uncertainty from probe resolution, in `unit`; `null` when not estimated. */
  readonly errorBound: number | null;
  /** The period is still running: the value is "so far". */
  readonly partial: boolean;
  /**
   * PASS, FAIL or UNPROVEN (DESIGN step 10; collector/sla/evidence.ts): a figure passes only when the
   * time the monitoring did not see could not change the verdict; fault seen is FAIL whatever the
   * coverage; no data is UNPROVEN. "reported" for a figure without a target.
   */
  readonly verdict: Verdict;
  /** Why the verdict is UNPROVEN, in words ("no data", "31.2 h unknown could hold ..."); else null. */
  readonly evidence: string | null;
}

/** The verdict of a figure on every surface (API, /metrics, page, report, dashboards). */
export type Verdict = "pass" | "fail" | "unproven" | "reported";

/** The verdict a value alone gives, before any evidence is weighed. */
function plainVerdict(comparison: Comparison, value: number | boolean | null, pass: boolean | null): Verdict {
  if (comparison === "reported") return "reported";
  if (value === null || pass === null) return "unproven";
  return pass ? "pass" : "fail";
}

/** Float rounding must not fail a value that meets its target exactly (e.g. 1 - 432/43200 vs 0.99). */
const TOLERANCE = 1e-9;

/** Whether a value meets its target; `null` when there is nothing to judge. */
export function judge(
  comparison: Comparison,
  target: number | undefined,
  value: number | boolean | null,
): boolean | null {
  if (value === null || comparison === "reported") return null;
  if (comparison === "required") return value === true;
  if (typeof value !== "number" || target === undefined) return null;
  const slack = TOLERANCE * Math.max(1, Math.abs(target));
  return comparison === "<=" ? value <= target + slack : value >= target - slack;
}

/** Builds the figure of `key` from the catalogue and a measured value. */
export function figure(
  key: IndicatorKey,
  value: number | boolean | null,
  opts: { partial: boolean; errorBound?: number | null },
): Figure {
  const i = INDICATORS[key];
  const target = "target" in i ? i.target : undefined;
  const pass = judge(i.comparison, target, value);
  const verdict = plainVerdict(i.comparison, value, pass);
  return {
    key,
    clause: i.clause,
    title: i.title,
    comparison: i.comparison,
    target: target ?? null,
    unit: i.unit,
    value,
    pass,
    errorBound: value === null ? null : (opts.errorBound ?? null),
    partial: opts.partial,
    verdict,
    evidence: verdict === "unproven" ? "no data" : null,
  };
}
