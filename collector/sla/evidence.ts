import { judge, type Figure } from "./figures.js";

/**
 * No verdict without evidence (DESIGN step 10). A figure computed from what the monitoring saw PASSes
 * only when the worst the unseen time could hold would still pass: for 7.1.2 every unknown
 * user-weighted minute counted as fault, for 7.1.4 and 7.1.10 every unknown minute of the system as
 * fault, for the delivery delays every hour without a probe result as an hour the delay could have
 * been anything. When the worst case would fail, the verdict is UNPROVEN and says why. A value that
 * fails as seen is FAIL whatever the coverage: fault seen is fault.
 */

/**
 * The figure with its verdict weighed: `worst` is its value if the unknown time were all bad
 * (`null` when nothing bounds it: then only a complete record passes), `why` says what was unknown.
 */
export function weighEvidence(f: Figure, worst: number | boolean | null, why: string): Figure {
  if (f.verdict !== "pass") return f;
  const target = f.target ?? undefined;
  const holds = worst !== null && judge(f.comparison, target, worst) === true;
  return holds ? f : { ...f, verdict: "unproven", evidence: why };
}

/** Minutes as words an operator reads: "42 min", "3.5 h". */
export function minutesText(minutes: number): string {
  return minutes < 90 ? `${minutes.toFixed(minutes < 10 ? 1 : 0)} min` : `${(minutes / 60).toFixed(1)} h`;
}

const HOUR = 3_600_000;

/**
 * Share of the whole hours of `range` in which at least one of `times` lies. The hour still running
 * at the end of a month in progress is left out (its probe may not have run yet); a range shorter
 * than an hour counts as covered when it holds any time at all.
 */
export function hourCoverage(times: Iterable<number>, range: { start: number; end: number }): number {
  const hours = Math.floor((range.end - range.start) / HOUR);
  const seen = new Set<number>();
  for (const t of times) {
    if (t < range.start || t >= range.end) continue;
    const hour = Math.floor((t - range.start) / HOUR);
    if (hour < hours || hours === 0) seen.add(hour);
  }
  if (hours === 0) return range.end > range.start && seen.size === 0 ? 0 : 1;
  return seen.size / hours;
}

/**
 * The evidence a sampled figure needs (delivery delays, the 7.1.13 and 7.1.14 checks): a result in
 * at least 99 % of the period's hours. Below it the verdict is UNPROVEN, saying how many hours had none.
 */
export function sampledEvidence(
  f: Figure,
  coverage: number,
  range: { start: number; end: number },
  what: string,
): Figure {
  const hours = Math.max(1, Math.floor((range.end - range.start) / HOUR));
  const missing = Math.round((1 - coverage) * hours);
  const why = `${missing} of ${hours} h without a ${what} result: the unseen hours could hold a failure`;
  return weighEvidence(f, coverage >= 0.99 ? f.value : null, why);
}
