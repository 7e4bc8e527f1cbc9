import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CHECK_KINDS } from "../../config/services.js";
import { ERROR_CODE_LIST, STAGES } from "../../contract/errors.js";
import { CERT_DATE_SPAN_MS, MAX_DETAILS, MAX_MESSAGE, ProbeResult } from "../../contract/result.js";
import { isWellFormedProbeResult } from "../../contract/result-check.js";
import { MAX_TIME_MS, MIN_TIME_MS } from "../../contract/text.js";

/**
 * The fast acceptance test must never accept what the schema refuses (it lets a record skip the
 * schema at ingest), and must accept what agents send (or the fast path is never taken). Both are
 * checked on results of every kind and on tens of thousands of mutations of them.
 */

const T = Date.UTC(2026, 10, 15, 8, 30);

/** Well-formed results covering every optional part: error with and without responseCode, TLS, details. */
function bases(): Record<string, unknown>[] {
  return CHECK_KINDS.flatMap((kind, i) => [
    {
      id: randomUUID(),
      check: `svc-${kind}.a_1`,
      kind,
      vantage: "beijing-1",
      startedAt: T + i,
      durationSeconds: 0.25,
      ok: true,
      phases: { connect: 0.001, tls: 0.02, banner: 0, login: 12.5 },
      tls: {
        notAfter: T + 60 * 86_400_000,
        subject: "CN=mail.example.net",
        issuer: "CN=CA",
        protocol: "TLSv1.3",
      },
      details: { banner: "mail.example.net ESMTP « ready »", count: 3, secure: true },
    },
    {
      id: randomUUID().toUpperCase(),
      check: "x",
      kind,
      vantage: "v",
      startedAt: MIN_TIME_MS,
      durationSeconds: 86_400,
      ok: false,
      phases: {},
      error: {
        code: ERROR_CODE_LIST[i % ERROR_CODE_LIST.length],
        stage: STAGES[i % STAGES.length],
        message: "",
      },
    },
    {
      id: "00000000-0000-0000-0000-000000000000",
      check: "a".repeat(64),
      kind,
      vantage: "b".repeat(64),
      startedAt: MAX_TIME_MS,
      durationSeconds: 0,
      ok: false,
      phases: { quit: 3 },
      error: { code: "timeout", stage: "quit", message: "m".repeat(MAX_MESSAGE), responseCode: 421 },
      tls: { notAfter: MAX_TIME_MS - CERT_DATE_SPAN_MS },
      details: Object.fromEntries(Array.from({ length: MAX_DETAILS }, (_, k) => [`d${k}`, k])),
    },
  ]);
}

/** Values that break some rule somewhere (and a few that are fine in some places). */
const ODD: unknown[] = [
  undefined,
  null,
  "",
  "x",
  "a".repeat(65),
  "m".repeat(MAX_MESSAGE + 1),
  "s".repeat(501),
  "bad\u0007bell",
  "line\nbreak",
  "bidi\u202eflip",
  "sep\u2028",
  "has space",
  "_leading",
  "__proto__",
  "constructor",
  "ünï",
  0,
  -1,
  1.5,
  -0.0001,
  86_400.5,
  999,
  1000,
  MIN_TIME_MS - 1,
  MAX_TIME_MS + 1,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  true,
  false,
  [],
  [1],
  {},
  { connect: 1 },
  { unknown: 1 },
  Object.create({ inherited: 1 }),
  new Date(T),
  "not-a-uuid",
  "00000000-0000-0000-0000-00000000000g",
  "timeout",
  "connect",
  "smtp",
];

/** Every path of an object (nested objects included), as key lists. */
function paths(o: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? [[...prefix, k], ...paths(v as Record<string, unknown>, [...prefix, k])]
      : [[...prefix, k]],
  );
}

function setAt(o: Record<string, unknown>, path: readonly string[], value: unknown, remove = false) {
  const copy = structuredClone(o);
  let at: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  // defineProperty makes an own key even of "__proto__", as JSON.parse does
  if (remove) delete at[path.at(-1)!];
  else
    Object.defineProperty(at, path.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Single and double mutations of a result: every path set to every odd value, removed, or joined by a stray key. */
function* mutations(base: Record<string, unknown>): Generator<Record<string, unknown>> {
  const all = paths(base);
  for (const p of all) {
    yield setAt(base, p, undefined, true);
    for (const v of ODD) yield setAt(base, p, v);
    for (const extra of ["extra", "__proto__", "toString"]) {
      yield setAt(base, [...p.slice(0, -1), extra], 1);
    }
  }
  for (const key of ["error", "tls", "details", "phases"].filter((k) => base[k] !== undefined)) {
    for (const v of ODD) yield setAt(base, [key, STAGES[3]!], v);
    for (const v of ODD) yield setAt(base, [key, "d0"], v);
  }
  // the superRefine: a certificate date too far from the start
  yield setAt(base, ["tls"], { notAfter: (base.startedAt as number) + CERT_DATE_SPAN_MS + 1 });
  yield setAt(base, ["tls"], { notAfter: (base.startedAt as number) - CERT_DATE_SPAN_MS - 1 });
  yield setAt(
    base,
    ["details"],
    Object.fromEntries(Array.from({ length: MAX_DETAILS + 1 }, (_, k) => [`d${k}`, k])),
  );
}

describe("isWellFormedProbeResult", () => {
  it("accepts the results agents send, of every kind and with every optional part", () => {
    for (const r of bases()) {
      expect(ProbeResult.safeParse(r).success, JSON.stringify(r)).toBe(true);
      expect(isWellFormedProbeResult(r), JSON.stringify(r)).toBe(true);
      // as they arrive: through JSON
      expect(isWellFormedProbeResult(JSON.parse(JSON.stringify(r)))).toBe(true);
    }
  });

  it("never accepts what the schema refuses, over every single mutation of every field", () => {
    let tried = 0;
    let refusedBySchema = 0;
    const wrongly: string[] = [];
    for (const base of bases()) {
      for (const m of mutations(base)) {
        for (const candidate of [m, JSON.parse(JSON.stringify(m, (_k, v) => (v === undefined ? null : v)))]) {
          tried++;
          const schema = ProbeResult.safeParse(candidate).success;
          if (!schema) refusedBySchema++;
          if (isWellFormedProbeResult(candidate) && !schema) wrongly.push(JSON.stringify(candidate));
        }
      }
    }
    expect(wrongly.slice(0, 5)).toEqual([]);
    // the mutations do reach the schema's rules: most of them are refused
    expect(tried).toBeGreaterThan(20_000);
    expect(refusedBySchema / tried).toBeGreaterThan(0.5);
  });

  it("refuses what is not a result at all", () => {
    for (const v of [null, undefined, 1, "x", [], new Map()]) expect(isWellFormedProbeResult(v)).toBe(false);
  });
});
