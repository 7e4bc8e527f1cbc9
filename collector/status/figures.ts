import { NO_VALUE, showBound, showMinutes, showRatio, showTarget, showValue } from "../report/format.js";
import { yearOf } from "../sla/calendar.js";
import type { MonthFigures, PeriodResult } from "../sla/engine.js";
import type { Figure } from "../sla/figures.js";
import type { YearResult } from "../sla/year.js";
import { badge, empty, esc, gauge, table, type Row } from "./html.js";

/**
 * The month-to-date indicators of SPEC 7.1 on the status page: each figure with its clause, its
 * target (both from the engine's figure, which took them from indicators.ts), its error bound,
 * what is left of its budget, and a verdict in words. Values are shown with the report's own
 * formatting, so the page and the monthly report never print one number two ways.
 */

/** What is left of a budget: `used` of `of`, and the sentence that says it. */
interface Budget {
  readonly used: number;
  readonly of: number;
  readonly text: string;
}

/** One figure's row. */
interface FigureRow {
  /** Stable name of the figure on the page (`data-key`): a MonthFigures field or "faultFreeDays". */
  readonly key: string;
  readonly figure: Figure;
  readonly title?: string;
  readonly budget?: Budget | null;
  readonly note?: string;
}

const MINUTE = 60_000;

function minutesBudget(f: Figure): Budget | null {
  if (typeof f.value !== "number" || f.target === null) return null;
  const left = f.target - f.value;
  const text = left >= 0 ? `${showMinutes(left)} left of ${f.target} min` : `over by ${showMinutes(-left)}`;
  return { used: f.value, of: f.target, text };
}

/** 7.1.4 as a budget: the system fault time the whole month may have, and how much is gone. */
function availabilityBudget(m: PeriodResult): Budget | null {
  const f = m.figures.availability;
  if (typeof f.value !== "number" || f.target === null) return null;
  const allowed = ((1 - f.target) * (m.period.end - m.period.start)) / MINUTE;
  const used = ((1 - f.value) * (m.period.effectiveEnd - m.period.start)) / MINUTE;
  const left = allowed - used;
  const text =
    left >= 0
      ? `${showMinutes(left)} of system fault left this month`
      : `over by ${showMinutes(-left)} of system fault`;
  return { used: Math.max(0, used), of: allowed, text };
}

function yearBudget(y: YearResult): Budget {
  const year = yearOf(y.period.start, y.period.timeZone);
  const left = y.budgetRemaining;
  const text =
    left >= 0
      ? `${left} of ${y.budget} fault days left in ${year}`
      : `${-left} fault days over the ${y.budget}`;
  return { used: y.faultDays.length, of: y.budget, text };
}

function deliveryNote(m: PeriodResult, direction: "send" | "receive"): string {
  const d = m.delivery[direction];
  return `${d.samples} sample${d.samples === 1 ? "" : "s"}${d.inFlight > 0 ? `, ${d.inFlight} in flight` : ""}`;
}

function securityNote(state: PeriodResult["security"]["smtpAuthRequired"]): string {
  if (state.failingAtEnd.length > 0) return `failing: ${state.failingAtEnd.join(", ")}`;
  if (state.failedDuring.length > 0) return `failed earlier this month: ${state.failedDuring.join(", ")}`;
  return "";
}

/** The rows in clause order. */
function rows(m: PeriodResult, y: YearResult | null): FigureRow[] {
  const f: MonthFigures = m.figures;
  const loss = m.delivery.receive;
  return [
    { key: "faultMinutes", figure: f.faultMinutes, budget: minutesBudget(f.faultMinutes) },
    { key: "maintenanceMinutes", figure: f.maintenanceMinutes, budget: minutesBudget(f.maintenanceMinutes) },
    { key: "availability", figure: f.availability, budget: availabilityBudget(m) },
    {
      key: "availabilityUserWeighted",
      figure: f.availabilityUserWeighted,
      title: `${f.availabilityUserWeighted.title}, user-weighted`,
    },
    ...(y
      ? [{ key: "faultFreeDays", figure: y.faultFreeDays, budget: yearBudget(y), note: "this year" }]
      : []),
    { key: "sendDelayAverage", figure: f.sendDelayAverage, note: deliveryNote(m, "send") },
    { key: "sendDelayMaximum", figure: f.sendDelayMaximum },
    { key: "receiveDelayAverage", figure: f.receiveDelayAverage, note: deliveryNote(m, "receive") },
    { key: "receiveDelayMaximum", figure: f.receiveDelayMaximum },
    { key: "faultFreeRate", figure: f.faultFreeRate },
    {
      key: "lossRate",
      figure: f.lossRate,
      note: `${loss.lost} lost of ${loss.delivered + loss.lost} decided`,
    },
    { key: "smtpAuthRequired", figure: f.smtpAuthRequired, note: securityNote(m.security.smtpAuthRequired) },
    { key: "openRelayClosed", figure: f.openRelayClosed, note: securityNote(m.security.openRelayClosed) },
  ];
}

/**
 * The verdict in words: PASS, FAIL, UNPROVEN (with why: no data, or unknown time that could hold a
 * failure; collector/sla/evidence.ts), or NO TARGET for a clause that only asks for the figure.
 */
export function verdict(f: Figure): string {
  if (f.verdict === "pass") return badge("pass", "PASS");
  if (f.verdict === "fail") return badge("fail", "FAIL");
  if (f.verdict === "unproven") {
    return `${badge("unknown", "UNPROVEN")}<span class="sub">${esc(f.evidence ?? "no data")}</span>`;
  }
  if (f.value === null) return badge("none", "NO DATA");
  return badge("none", "NO TARGET");
}

/** The figure's value as text: "12.50 min ± 0.33 min", "99.931 %", "yes", "not measurable". */
export function valueText(f: Figure): string {
  if (f.value === null) return NO_VALUE.measured;
  const bound = typeof f.value === "number" ? showBound(f.errorBound, f.unit) : "";
  return `${showValue(f.value, f.unit)}${bound ? ` ${bound}` : ""}`;
}

/** The target as the report writes it, with the comparison as a reader expects it on screen. */
function targetText(f: Figure): string {
  if (f.comparison === "reported") return "no target: the clause asks for the figure only";
  if (f.comparison === "required") return "required to hold";
  return `target ${showTarget(f.comparison, f.target, f.unit).replace("<=", "≤").replace(">=", "≥")}`;
}

function rowOf(r: FigureRow): Row {
  const f = r.figure;
  const note = r.note ? ` · ${esc(r.note)}` : "";
  const budget = r.budget
    ? `<span class="sub">${gauge(r.budget.used, r.budget.of)} ${esc(r.budget.text)}</span>`
    : "";
  const attrs = `class="value" data-key="${esc(r.key)}" data-value="${esc(JSON.stringify(f.value))}"`;
  return {
    head: `<span class="clause">${esc(f.clause)}</span> ${esc(r.title ?? f.title)}<span class="sub">${esc(targetText(f))}${note}</span>`,
    cells: [{ html: `<span class="v">${esc(valueText(f))}</span>${budget}`, attrs }, verdict(f)],
    ...(f.pass === false ? { cls: "row-down" } : {}),
  };
}

/** The indicators section's body; a notice in its place when the engine gave no month. */
export function figuresHtml(m: PeriodResult | null, y: YearResult | null): string {
  if (!m) return empty("Month-to-date figures need the SLA engine; see the notice above.");
  const cov = m.coverage;
  const unknown =
    cov.unknownMinutes > 0
      ? `, ${showMinutes(cov.unknownMinutes)} unknown (neither fault nor fault-free)`
      : "";
  const coverage = `<p class="muted">Monitoring coverage (6.1.2): ${esc(showRatio(cov.ratio))} of the month so far${esc(unknown)}.</p>`;
  const intro = m.period.partial
    ? `<p class="muted intro">The month is running: each value is so far, and PASS means the target is met so far.</p>`
    : "";
  const body = rows(m, y).map(rowOf);
  return (
    intro +
    table("SPEC 7.1 indicators, month to date", ["Indicator", "Month to date", "Verdict"], body, "figures") +
    coverage
  );
}
