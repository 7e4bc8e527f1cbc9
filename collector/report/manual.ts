import { z } from "zod";
import { INDICATORS, type IndicatorKey } from "../../contract/indicators.js";

/**
 * The indicators an operator enters by hand for a month (7.1.1, 7.1.6, 7.1.7.2, 7.1.11, 7.1.15,
 * 7.2.1-7.2.9): facts no probe can see. The shape is the collector store's manual entries
 * (`{ clause, value, note? }` per month), so the store's rows feed the report as they are.
 */

/** One entered value, by clause number. */
export const ManualEntry = z.strictObject({
  clause: z.string().min(1),
  value: z.union([z.number(), z.boolean()]),
  note: z.string().optional(),
});
export type ManualEntry = z.infer<typeof ManualEntry>;

/** Everything entered for one month; any clause may be missing and is then reported "not entered". */
export const ManualIndicators = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month YYYY-MM"),
  entries: z.array(ManualEntry).default([]),
});
export type ManualIndicators = z.infer<typeof ManualIndicators>;

/** Keys of the entered indicators, by clause, from the one catalogue. */
const ENTERED_BY_CLAUSE = new Map<string, IndicatorKey>(
  (Object.keys(INDICATORS) as IndicatorKey[])
    .filter((k) => INDICATORS[k].source === "entered")
    .map((k) => [INDICATORS[k].clause, k]),
);

/** An entry resolved to its indicator. */
export interface ResolvedEntry {
  readonly value: number | boolean;
  readonly note?: string;
}

/**
 * The month's entries by indicator key. Entries for a clause that is not entered by hand, or of
 * the wrong kind (a number for a yes/no clause), are not used and come back as warnings, so a
 * mistyped clause shows up in the report rather than vanishing.
 */
export function resolveManual(manual: ManualIndicators): {
  values: Map<IndicatorKey, ResolvedEntry>;
  warnings: string[];
} {
  const values = new Map<IndicatorKey, ResolvedEntry>();
  const warnings: string[] = [];
  for (const e of manual.entries) {
    const key = ENTERED_BY_CLAUSE.get(e.clause);
    if (!key) {
      warnings.push(`entered value for clause ${e.clause} ignored: not an indicator entered by hand`);
      continue;
    }
    const wantsBoolean = INDICATORS[key].unit === "boolean";
    if (wantsBoolean !== (typeof e.value === "boolean")) {
      warnings.push(
        `entered value for clause ${e.clause} ignored: expected ${wantsBoolean ? "yes/no" : "a number"}`,
      );
      continue;
    }
    values.set(key, e.note === undefined ? { value: e.value } : { value: e.value, note: e.note });
  }
  return { values, warnings };
}
