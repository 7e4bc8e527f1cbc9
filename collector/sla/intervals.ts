/**
 * Interval algebra on half-open spans `[start, end)` of Unix milliseconds. Every SLA figure is a
 * length of some set of instants (down, in maintenance, unknown); keeping those sets as sorted,
 * disjoint interval lists lets a year of one-minute results collapse to a handful of intervals and
 * every operation run as a linear sweep instead of minute by minute.
 */

/** A span of time `[start, end)` in Unix ms; empty when `end <= start`. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * A list in normal form: sorted by start, non-empty, neither overlapping nor touching. Functions
 * below that take `Intervals` expect normal form (produce it with {@link normalize}).
 */
export type Intervals = readonly Interval[];

/** Brings any list into normal form, so lengths never count an instant twice. */
export function normalize(list: Iterable<Interval>): Interval[] {
  const sorted = [...list].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) {
      if (i.end > last.end) out[out.length - 1] = { start: last.start, end: i.end };
    } else out.push(i);
  }
  return out;
}

/** The instants in any of the lists: how faults of several services merge into one segment fault. */
export function union(...lists: Intervals[]): Interval[] {
  return normalize(lists.flat());
}

/** The instants in both lists (normal form in, normal form out), in one two-pointer pass. */
export function intersect(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end <= y.end) i++;
    else j++;
  }
  return out;
}

/** The instants of `a` not in `b`: how maintenance and force majeure are taken out of fault time. */
export function subtract(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const x of a) {
    let start = x.start;
    while (j < b.length && b[j]!.end <= start) j++;
    let k = j;
    while (k < b.length && b[k]!.start < x.end) {
      const y = b[k]!;
      if (y.start > start) out.push({ start, end: y.start });
      start = Math.max(start, y.end);
      k++;
    }
    if (start < x.end) out.push({ start, end: x.end });
  }
  return out;
}

/** The part of a list inside one period: figures are always about `[period.start, period.end)`. */
export function clip(list: Intervals, period: Interval): Interval[] {
  return period.end > period.start ? intersect(list, [period]) : [];
}

/** The instants of `range` the list does not cover (e.g. time no quorum of fresh results covers). */
export function complement(list: Intervals, range: Interval): Interval[] {
  return range.end > range.start ? subtract([range], list) : [];
}

/** Total length in ms of a list in normal form. */
export function totalLength(list: Intervals): number {
  let total = 0;
  for (const i of list) total += i.end - i.start;
  return total;
}

/** Whether two spans share an instant (half-open: touching spans do not). */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * Cuts intervals at the given instants (e.g. month or day starts), so each piece lies in one
 * period; lengths are unchanged. `boundaries` must be sorted ascending.
 */
export function splitAt(list: Intervals, boundaries: readonly number[]): Interval[] {
  const out: Interval[] = [];
  let b = 0;
  for (const x of list) {
    while (b < boundaries.length && boundaries[b]! <= x.start) b++;
    let start = x.start;
    for (let k = b; k < boundaries.length && boundaries[k]! < x.end; k++) {
      out.push({ start, end: boundaries[k]! });
      start = boundaries[k]!;
    }
    out.push({ start, end: x.end });
  }
  return out;
}

/**
 * The instants covered by at least `k` of the lists: "at least the quorum of vantage points is
 * failing". Each list is normalised first so one vantage point is never counted twice.
 */
export function atLeast(lists: readonly Intervals[], k: number): Interval[] {
  if (k <= 0) throw new RangeError(`atLeast needs k >= 1, got ${k}`);
  const events: [number, number][] = [];
  for (const list of lists) {
    for (const i of normalize(list)) events.push([i.start, 1], [i.end, -1]);
  }
  // At equal instants ends come first: [a, t) and [t, b) never overlap.
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Interval[] = [];
  let depth = 0;
  let openedAt = 0;
  for (const [t, step] of events) {
    const before = depth;
    depth += step;
    if (before < k && depth >= k) openedAt = t;
    else if (before >= k && depth < k && t > openedAt) out.push({ start: openedAt, end: t });
  }
  return normalize(out);
}
