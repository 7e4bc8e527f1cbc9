import type { MonthFigures, PeriodResult } from "../sla/engine.js";
import { figure, type Figure } from "../sla/figures.js";
import { INDICATORS, type IndicatorKey } from "../../contract/indicators.js";
import type { YearResult } from "../sla/year.js";
import { formatValue, NO_VALUE, showBound, showRatio, showTarget, showValue } from "./format.js";
import type { ResolvedEntry } from "./manual.js";
import type { IndicatorRow, Verdict } from "./model-types.js";

/**
 * The indicator table of the report: every indicator of INDICATORS in clause order, measured ones
 * from the engine's figures, entered ones judged here by the engine's own `figure()` so an entered
 * value meets its target by the same rule as a measured one.
 */

function verdictOf(f: Figure, source: "measured" | "entered"): Verdict {
  if (f.value === null && source === "entered") return "not entered";
  return f.verdict;
}

/** A figure as a row of the table. */
export function rowOf(
  f: Figure,
  source: "measured" | "entered",
  over: { key?: string; title?: string; note?: string | null } = {},
): IndicatorRow {
  const shown = f.value === null ? null : formatValue(f.value, f.unit);
  return {
    key: over.key ?? f.key,
    clause: f.clause,
    title: over.title ?? f.title,
    source,
    comparison: f.comparison,
    target: f.target,
    unit: f.unit,
    value: f.value,
    pass: f.pass,
    errorBound: f.errorBound,
    partial: f.partial,
    verdict: verdictOf(f, source),
    evidence: f.evidence,
    show: {
      target: showTarget(f.comparison, f.target, f.unit),
      value: f.value === null ? NO_VALUE[source] : showValue(f.value, f.unit),
      number: shown?.text ?? "",
      unit: shown?.unit ?? "",
      bound: showBound(f.errorBound, f.unit),
    },
    note: over.note ?? null,
  };
}

/** Time figures whose verdict unknown time could overturn. */
const TIME_FIGURES = new Set<string>(["faultMinutes", "availability", "faultFreeRate"]);

/**
 * How much of the month the monitoring saw, on the time figures, when less than 7.1.4 allows to be
 * faulty (the verdict's evidence says what the unseen time could do).
 */
function coverageNote(key: string, month: PeriodResult): string | null {
  const seen = month.coverage.ratio;
  if (!TIME_FIGURES.has(key) || seen === null || seen >= INDICATORS.availability.target) return null;
  return `monitoring saw only ${showRatio(seen)} of the month`;
}

function measuredRows(key: IndicatorKey, month: PeriodResult, year: YearResult): IndicatorRow[] {
  if (key === "faultFreeDays") {
    const note = year.period.partial ? "year to date: days still to come count as fault-free" : null;
    return [rowOf(year.faultFreeDays, "measured", { note })];
  }
  const f = month.figures[key as keyof MonthFigures];
  if (!f) return [];
  const rows = [rowOf(f, "measured", { note: coverageNote(key, month) })];
  if (key === "availability") {
    const weighted = "beside the strict figure: fault time weighted by affected users, as in 7.1.2";
    rows.push(
      rowOf(month.figures.availabilityUserWeighted, "measured", {
        key: "availabilityUserWeighted",
        title: `${INDICATORS.availability.title}, user-weighted`,
        note: coverageNote(key, month) ?? weighted,
      }),
    );
  }
  return rows;
}

/**
 * Every indicator of SPEC.md 7.1 and 7.2 with its verdict. Entered values missing for the month
 * are "not entered", never a pass.
 */
export function indicatorRows(
  month: PeriodResult,
  year: YearResult,
  entered: ReadonlyMap<IndicatorKey, ResolvedEntry>,
): IndicatorRow[] {
  const rows: IndicatorRow[] = [];
  for (const key of Object.keys(INDICATORS) as IndicatorKey[]) {
    const i = INDICATORS[key];
    if (i.source === "measured") {
      rows.push(...measuredRows(key, month, year));
      continue;
    }
    const e = entered.get(key);
    rows.push(rowOf(figure(key, e?.value ?? null, { partial: false }), "entered", { note: e?.note ?? null }));
  }
  return rows;
}

/** How many indicators got each verdict: the headline of the report. */
export function summarize(rows: readonly IndicatorRow[]) {
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  return {
    pass: count("pass"),
    fail: count("fail"),
    unproven: count("unproven"),
    notEntered: count("not entered"),
    reported: count("reported"),
  };
}
