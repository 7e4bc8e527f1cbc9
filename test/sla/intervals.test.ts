import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  atLeast,
  clip,
  complement,
  intersect,
  normalize,
  splitAt,
  subtract,
  totalLength,
  union,
  type Interval,
} from "../../collector/sla/intervals.js";

const span = (start: number, end: number): Interval => ({ start, end });

/** Random interval lists on a small integer grid, so a brute-force set of instants can check them. */
const rawList = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })), { maxLength: 12 })
  .map((xs) => xs.map(([s, len]) => span(s, s + len)));
const list = rawList.map(normalize);

/** The integer instants a list covers. */
function instants(l: readonly Interval[]): Set<number> {
  const out = new Set<number>();
  for (const i of l) for (let t = i.start; t < i.end; t++) out.add(t);
  return out;
}

const isNormal = (l: readonly Interval[]) =>
  l.every((x, k) => x.end > x.start && (k === 0 || l[k - 1]!.end < x.start));

describe("interval algebra on [start, end)", () => {
  it("normalises: merges overlapping and touching spans, drops empty ones", () => {
    expect(normalize([span(5, 7), span(0, 2), span(2, 3), span(4, 4), span(6, 9)])).toEqual([
      span(0, 3),
      span(5, 9),
    ]);
  });

  it("subtracts holes in the middle and at both ends", () => {
    expect(
      subtract([span(0, 10), span(20, 30)], [span(-5, 1), span(4, 6), span(9, 21), span(29, 40)]),
    ).toEqual([span(1, 4), span(6, 9), span(21, 29)]);
  });

  it("counts instants covered by at least k lists, touching spans not overlapping", () => {
    const lists = [[span(0, 10)], [span(5, 15)], [span(10, 20)]];
    expect(atLeast(lists, 2)).toEqual([span(5, 15)]);
    expect(atLeast(lists, 3)).toEqual([]);
    expect(atLeast([[span(0, 5)], [span(5, 10)]], 2)).toEqual([]);
  });

  it("splits at boundaries without changing lengths", () => {
    expect(splitAt([span(0, 10), span(15, 25)], [5, 10, 20])).toEqual([
      span(0, 5),
      span(5, 10),
      span(15, 20),
      span(20, 25),
    ]);
  });

  it("agrees with brute-force sets of instants (property)", () => {
    fc.assert(
      fc.property(rawList, list, list, (raw, a, b) => {
        const [A, B] = [instants(a), instants(b)];
        expect(instants(normalize(raw))).toEqual(instants(raw));
        expect(isNormal(normalize(raw))).toBe(true);
        expect(instants(union(a, b))).toEqual(new Set([...A, ...B]));
        expect(instants(intersect(a, b))).toEqual(new Set([...A].filter((t) => B.has(t))));
        expect(instants(subtract(a, b))).toEqual(new Set([...A].filter((t) => !B.has(t))));
        for (const r of [union(a, b), intersect(a, b), subtract(a, b)]) expect(isNormal(r)).toBe(true);
      }),
    );
  });

  it("never counts an instant twice: |a ∪ b| = |a| + |b| - |a ∩ b| (property)", () => {
    fc.assert(
      fc.property(list, list, (a, b) => {
        expect(totalLength(union(a, b))).toBe(totalLength(a) + totalLength(b) - totalLength(intersect(a, b)));
        expect(totalLength(subtract(a, b)) + totalLength(intersect(a, b))).toBe(totalLength(a));
      }),
    );
  });

  it("atLeast matches counting per instant, and k = 1 is the union (property)", () => {
    fc.assert(
      fc.property(fc.array(list, { maxLength: 5 }), fc.integer({ min: 1, max: 4 }), (lists, k) => {
        const expected = new Set<number>();
        for (let t = 0; t < 260; t++)
          if (lists.filter((l) => instants(l).has(t)).length >= k) expected.add(t);
        expect(instants(atLeast(lists, k))).toEqual(expected);
        expect(atLeast(lists, 1)).toEqual(union(...lists));
      }),
    );
  });

  it("splitting preserves totals, and clip + complement partition a range (property)", () => {
    fc.assert(
      fc.property(list, fc.uniqueArray(fc.integer({ min: 0, max: 260 })), (a, cuts) => {
        const boundaries = [...cuts].sort((x, y) => x - y);
        const pieces = splitAt(a, boundaries);
        expect(totalLength(pieces)).toBe(totalLength(a));
        expect(pieces.every((p) => !boundaries.some((b) => b > p.start && b < p.end))).toBe(true);
        const range = span(50, 150);
        expect(totalLength(clip(a, range)) + totalLength(complement(a, range))).toBe(100);
      }),
    );
  });
});
