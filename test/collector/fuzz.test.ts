/**
 * Property test of the trust boundary (fast-check), against the real collector over a real socket:
 * valid ingest and admin bodies mutated at random (a field replaced by any JSON value, big numbers,
 * long or exotic unicode strings, nesting; a key removed; an unknown key added). Whatever arrives,
 * the collector never answers 5xx, stores nothing it refused, names a field in every refusal, and
 * afterwards its public page, /metrics, the SLA API and the month's report still render, bounded.
 */
import fc from "fast-check";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerLoadMonth } from "../../collector/report/ledger-source.js";
import { produceReport } from "../../collector/report/produce.js";
import { checkResult, deliveryResult } from "./fixtures.js";
import { trustCollector, type TrustCollector } from "./trust.js";

/** Control characters no rendered output may hold (tab, LF and CR aside). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

let c: TrustCollector;
beforeAll(async () => {
  c = await trustCollector();
});
afterAll(async () => {
  await c.close();
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Any JSON value, leaning to the values that broke collectors before: huge, tiny, long, exotic. */
const wild: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    1e308,
    -1e308,
    2 ** 53 - 1,
    -8.64e15,
    0,
    -1,
    1.5,
    "",
    null,
    true,
    "\u0000\u001b[2J",
    "\u202e",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 30_000, minLength: 10_000 }).map((s) => s),
  fc.double(),
  fc.integer(),
  fc.json({ maxDepth: 4 }).map((j) => JSON.parse(j) as Json),
);

/** Every path to a leaf or an object in a JSON value. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (v !== null && typeof v === "object") {
    for (const [k, child] of Object.entries(v))
      out.push(...paths(child, [...prefix, Array.isArray(v) ? Number(k) : k]));
  }
  return out;
}

/** A copy of `v` with one mutation at `path`: replaced, removed, or given an unknown key. */
function mutate(v: Json, path: (string | number)[], how: "replace" | "remove" | "add", value: Json): Json {
  const copy = structuredClone(v);
  if (path.length === 0) return how === "replace" ? value : copy;
  let parent: Json = copy;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string, Json>)[k as string]!;
  const key = path.at(-1)!;
  const obj = parent as Record<string | number, Json>;
  if (how === "replace") obj[key] = value;
  else if (how === "remove") delete obj[key];
  else if (typeof obj[key] === "object" && obj[key] !== null && !Array.isArray(obj[key])) {
    (obj[key] as Record<string, Json>)["zz-unknown"] = value;
  } else obj[key] = { nested: value };
  return copy;
}

const mutation = (base: () => Json) =>
  fc
    .record({ pick: fc.nat(), how: fc.constantFrom("replace", "remove", "add" as const), value: wild })
    .map(({ pick, how, value }) => {
      const b = base();
      const all = paths(b);
      return mutate(b, all[pick % all.length]!, how, value);
    });

const recent = () => Date.now() - 5 * 60_000;
const validRecord = (): Json =>
  Math.random() < 0.5
    ? ({ type: "check", payload: checkResult("a", { startedAt: recent() }) } as unknown as Json)
    : ({ type: "delivery", payload: deliveryResult("a", { sentAt: recent() }) } as unknown as Json);
const validWindow = (): Json => {
  const start = Date.now() + 30 * 3_600_000;
  return { start, end: start + 3_600_000, description: "kernel upgrade", segments: ["north"] };
};

const validSpan = (): Json => {
  const start = Date.now() - 2 * 3_600_000;
  return { start, end: start + 3_600_000, reason: "flood", segments: ["north"], services: ["mx"] };
};

describe("fuzzed bodies at the trust boundary", () => {
  it("ingest: never a 5xx, nothing refused is stored, every refusal names a field", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutation(validRecord), async (record) => {
        const before = await c.counts();
        const r = await c.ingest("a", [record]);
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        expect([200, 400, 403, 413], JSON.stringify(r.body)).toContain(r.status);
        const after = await c.counts();
        if (r.status !== 200) {
          expect(after).toEqual(before);
          expect(r.body.message?.length).toBeGreaterThan(0);
        }
        if (r.status === 400) {
          expect(r.body.message).toMatch(/^records(\[0\])?/);
          for (const refusal of r.body.refusals ?? []) expect(refusal.field).toMatch(/^records\[0\]/);
        }
      }),
      { numRuns: 300 },
    );
    // Not vacuous: mutations that still fit are stored, the rest refused.
    expect(seen.get(200)).toBeGreaterThan(10);
    expect(seen.get(400)).toBeGreaterThan(100);
  });

  it("maintenance declarations: never a 5xx, nothing refused is stored", async () => {
    await fc.assert(
      fc.asyncProperty(mutation(validWindow), async (body) => {
        const before = await c.admin("GET", "/api/v1/maintenance");
        const r = await c.admin("POST", "/api/v1/maintenance", body);
        expect([201, 400], JSON.stringify(r.body)).toContain(r.status);
        if (r.status === 400) {
          expect(String(r.body.message).length).toBeGreaterThan(0);
          expect((await c.admin("GET", "/api/v1/maintenance")).body).toEqual(before.body);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("force majeure spans: never a 5xx, nothing refused is stored", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutation(validSpan), async (body) => {
        const before = await c.admin("GET", "/api/v1/force-majeure");
        const r = await c.admin("POST", "/api/v1/force-majeure", body);
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        expect([201, 400], JSON.stringify(r.body)).toContain(r.status);
        if (r.status === 400) {
          expect(String(r.body.message).length).toBeGreaterThan(0);
          expect((await c.admin("GET", "/api/v1/force-majeure")).body).toEqual(before.body);
        }
      }),
      { numRuns: 150 },
    );
    // Not vacuous: mutations that still fit are stored (and rendered below), the rest refused.
    expect(seen.get(201)).toBeGreaterThan(5);
    expect(seen.get(400)).toBeGreaterThan(50);
  });

  it("afterwards the page, /status.json, /metrics, the SLA API and the month's report render, bounded", async () => {
    for (const path of ["/", "/status.json", "/metrics"]) {
      const res = await fetch(c.url + path);
      const body = await res.text();
      expect(res.status, path).toBe(200);
      expect(body.length, path).toBeLessThan(2_000_000);
      expect(body, path).not.toMatch(CONTROL);
    }
    const sla = await c.admin("GET", "/api/v1/sla");
    expect(sla.status).toBe(200);
    const now = Date.now();
    const month = DateTime.fromMillis(now, { zone: c.config.operator.timeZone }).toFormat("yyyy-MM");
    const report = await produceReport(
      ledgerLoadMonth(c.running.store, c.config, () => now),
      month,
      now,
    );
    expect(report.pdf.length).toBeLessThan(5_000_000);
    expect(report.html).not.toContain("Invalid DateTime");
    expect(report.text).not.toMatch(CONTROL);
  });
});
