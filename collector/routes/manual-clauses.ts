import { INDICATORS, type Indicator, type IndicatorKey } from "../../contract/indicators.js";

/**
 * The clauses an operator enters by hand each month: every "entered" indicator of the one
 * catalogue (contract/indicators.ts: 7.1.1, 7.1.6, 7.1.7.2, 7.1.11, 7.1.15, 7.2.x), with the
 * kind of value each takes, so a typo in a clause or a ratio of 80 instead of 0.8 is refused.
 */

/** What one manual clause accepts. */
export interface ManualClause {
  key: IndicatorKey;
  title: string;
  /** "ratio" is a number in [0, 1]. */
  value: "boolean" | "number" | "ratio";
  unit: Indicator["unit"];
}

function kindOf(unit: Indicator["unit"]): ManualClause["value"] {
  if (unit === "boolean") return "boolean";
  return unit === "ratio" ? "ratio" : "number";
}

/** Every clause that may be entered, by clause number. */
export const MANUAL_CLAUSES: Readonly<Record<string, ManualClause>> = Object.fromEntries(
  (Object.entries(INDICATORS) as [IndicatorKey, Indicator][])
    .filter(([, i]) => i.source === "entered")
    .map(([key, i]) => [i.clause, { key, title: i.title, value: kindOf(i.unit), unit: i.unit }]),
);

/** Orders clause numbers numerically (7.1.6 before 7.1.11). */
export function compareClauses(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
