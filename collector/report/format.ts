import { DateTime } from "luxon";
import type { Comparison } from "../../contract/indicators.js";

/**
 * The one place where a number of the monthly report becomes text. The report model stores every
 * display string it shows (value, target, error bound, date), made here, and the JSON, CSV, HTML,
 * text and PDF renderers only print those strings: a number can therefore never read one way in the
 * e-mail and another in the PDF (issue 6, "equals the engine's numbers in every format").
 */

/** A value as shown: the number and its unit apart (CSV keeps them in two columns). */
export interface Shown {
  readonly text: string;
  readonly unit: string;
}

/** Unit names as a reader sees them. */
const UNIT_TEXT: Record<string, string> = {
  minutes: "min",
  ratio: "%",
  days: "days",
  workingDays: "working days",
  months: "months",
  seconds: "s",
  hours: "h",
  count: "",
  boolean: "",
};

/** Shown for an indicator without a value: nothing measured, or nothing entered by the operator. */
export const NO_VALUE = { measured: "no data", entered: "not entered" } as const;

/** Percent with at least 3 decimals and 4 significant digits, so 3x10^-5 stays readable. */
function percent(ratio: number): string {
  const pct = ratio * 100;
  if (pct === 0) return "0.000";
  const magnitude = Math.floor(Math.log10(Math.abs(pct)));
  const decimals = Math.min(8, Math.max(3, 3 - magnitude));
  return pct.toFixed(decimals);
}

/** A number without needless decimals: 3, 2.5, 0.003. */
function plain(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/** The display text of a value in `unit`; `null` is left to the caller (not measurable / not entered). */
export function formatValue(value: number | boolean, unit: string): Shown {
  const u = UNIT_TEXT[unit] ?? unit;
  if (typeof value === "boolean") return { text: value ? "yes" : "no", unit: u };
  switch (unit) {
    case "ratio":
      return { text: percent(value), unit: u };
    case "minutes":
      return { text: value.toFixed(2), unit: u };
    case "seconds":
      return { text: value.toFixed(1), unit: u };
    case "count":
      return { text: value.toFixed(0), unit: u };
    default:
      return { text: value.toFixed(value % 1 === 0 ? 0 : 1), unit: u };
  }
}

/** `formatValue` as one string: "99.931 %", "12.50 min", "yes". */
export function showValue(value: number | boolean, unit: string): string {
  const s = formatValue(value, unit);
  return s.unit === "" ? s.text : `${s.text} ${s.unit}`;
}

/** A target as written in the clause: "<= 400 min", ">= 99 %", "required", "reported". */
export function showTarget(comparison: Comparison, target: number | null, unit: string): string {
  if (comparison === "required") return "required";
  if (comparison === "reported" || target === null) return "reported";
  const u = UNIT_TEXT[unit] ?? unit;
  const n = unit === "ratio" ? plain(target * 100) : plain(target);
  return `${comparison} ${n}${u === "" ? "" : ` ${u}`}`;
}

/** An error bound as "± 2.00 min"; empty when there is none to show. */
export function showBound(bound: number | null, unit: string): string {
  if (bound === null || bound === 0) return "";
  return `± ${showValue(bound, unit)}`;
}

/** Weighted or plain minutes, as every table of the report shows them. */
export function showMinutes(minutes: number): string {
  return showValue(minutes, "minutes");
}

/** A share (weight, coverage) as a percentage. */
export function showRatio(ratio: number | null): string {
  return ratio === null ? NO_VALUE.measured : showValue(ratio, "ratio");
}

/** Seconds of delay, or "not measurable". */
export function showSeconds(seconds: number | null): string {
  return seconds === null ? NO_VALUE.measured : showValue(seconds, "seconds");
}

/** A count of users or messages with thousands separators: "600,000". */
export function showCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Hours of notice (6.1.6), one decimal. */
export function showHours(hours: number): string {
  // Under an hour in minutes: a 60-second notice is "1 min", never "0.0 h".
  if (Math.abs(hours) < 1) return `${Math.round(hours * 60)} min`;
  return `${hours.toFixed(1)} h`;
}

/** An instant in the operator's zone, to the minute: "2026-11-10 16:00". */
export function showTime(ts: number, timeZone: string): string {
  return DateTime.fromMillis(ts, { zone: timeZone }).toFormat("yyyy-MM-dd HH:mm");
}

/** "November 2026" for a month "2026-11". */
export function showMonth(month: string): string {
  return DateTime.fromFormat(month, "yyyy-MM", { zone: "UTC" }).toFormat("LLLL yyyy", { locale: "en" });
}

/** A span in the operator's zone, the end's date left out on the same day: "2026-11-10 16:00-16:50". */
export function showSpan(start: number, end: number | null, timeZone: string): string {
  const from = showTime(start, timeZone);
  if (end === null) return `${from} to now (ongoing)`;
  const to = showTime(end, timeZone);
  return to.slice(0, 10) === from.slice(0, 10) ? `${from}-${to.slice(11)}` : `${from} to ${to}`;
}
