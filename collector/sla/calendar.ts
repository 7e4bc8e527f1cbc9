import { DateTime } from "luxon";
import type { Interval } from "./intervals.js";

/**
 * Calendar periods in the operator's IANA time zone. The specification counts "monthly" figures
 * (7.1.2-7.1.4, 7.1.10) per calendar month and fault-free "natural days" (7.1.5) per calendar
 * day, both as the operator's users live them, so a Shanghai operator's day starts at 00:00 in
 * Shanghai whatever the server's zone. Periods are half-open `[start, end)` in Unix ms; days are 23
 * or 25 hours long across daylight-saving changes, and luxon does that arithmetic.
 */

/** One calendar day of the operator, e.g. `{ date: "2026-11-03", start, end }`. */
export interface CalendarDay extends Interval {
  /** ISO date in the operator's zone: the day's name in reports. */
  readonly date: string;
}

function at(ts: number, tz: string): DateTime {
  const d = DateTime.fromMillis(ts, { zone: tz });
  if (!d.isValid) throw new RangeError(`invalid instant ${ts} or time zone "${tz}": ${d.invalidExplanation}`);
  return d;
}

function startOf(year: number, month: number, tz: string): DateTime {
  const d = DateTime.fromObject({ year, month, day: 1 }, { zone: tz });
  if (!d.isValid) throw new RangeError(`invalid month ${year}-${month} in "${tz}": ${d.invalidExplanation}`);
  return d;
}

/** The month an instant falls in, as "YYYY-MM": where a late result's recomputation lands. */
export function monthOf(ts: number, tz: string): string {
  return at(ts, tz).toFormat("yyyy-MM");
}

/** The year an instant falls in, as "YYYY". */
export function yearOf(ts: number, tz: string): string {
  return at(ts, tz).toFormat("yyyy");
}

/** The calendar day an instant falls in, as "YYYY-MM-DD". */
export function dayOf(ts: number, tz: string): string {
  return at(ts, tz).toISODate()!;
}

/** The span of a month named "YYYY-MM": the period of the monthly indicators. */
export function monthRange(month: string, tz: string): Interval {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new RangeError(`expected a month like "2026-11", got "${month}"`);
  const start = startOf(Number(m[1]), Number(m[2]), tz);
  return { start: start.toMillis(), end: start.plus({ months: 1 }).toMillis() };
}

/** The span of a year named "YYYY": the period of 7.1.5 fault-free days. */
export function yearRange(year: string, tz: string): Interval {
  if (!/^\d{4}$/.test(year)) throw new RangeError(`expected a year like "2026", got "${year}"`);
  const start = startOf(Number(year), 1, tz);
  return { start: start.toMillis(), end: start.plus({ years: 1 }).toMillis() };
}

/** Every calendar day that shares an instant with `range`, whole (not clipped), in order. */
export function daysOf(range: Interval, tz: string): CalendarDay[] {
  const days: CalendarDay[] = [];
  if (range.end <= range.start) return days;
  let day = at(range.start, tz).startOf("day");
  while (day.toMillis() < range.end) {
    const next = day.plus({ days: 1 }).startOf("day");
    days.push({ date: day.toISODate()!, start: day.toMillis(), end: next.toMillis() });
    day = next;
  }
  return days;
}

/** The instants inside `range` where a calendar month starts: where intervals are split (DESIGN 8). */
export function monthBoundaries(range: Interval, tz: string): number[] {
  const out: number[] = [];
  let month = at(range.start, tz).startOf("month").plus({ months: 1 });
  while (month.toMillis() < range.end) {
    out.push(month.toMillis());
    month = month.plus({ months: 1 });
  }
  return out;
}
