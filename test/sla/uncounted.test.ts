/**
 * A result the server turned away by its own advertised rate policy (POP3 [LOGIN-DELAY], code
 * "login-delay") is neither pass nor fault: stored as such in the ledger, skipped by the engine, so a
 * healthy server that enforces one POP3 login a minute is never in fault because of the probe.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../collector/store/db.js";
import { ResultTables } from "../../collector/store/results.js";
import { groupObservations, NOT_COUNTED, vantageState } from "../../collector/sla/vantage-state.js";
import { countsAsFailure, type ErrorCode } from "../../contract/errors.js";
import type { ProbeResult } from "../../contract/result.js";
import { MIN } from "./fixtures.js";

const rules = { consecutiveFailures: 2, staleMs: 3 * MIN, now: 100 * MIN };

function result(minute: number, code?: ErrorCode): ProbeResult {
  return {
    id: randomUUID(),
    check: "pop",
    kind: "pop3",
    vantage: "a",
    startedAt: minute * MIN,
    durationSeconds: 0.01,
    ok: code === undefined,
    ...(code ? { error: { code, stage: "login", message: "-ERR [LOGIN-DELAY] wait" } } : {}),
    phases: {},
  };
}

describe("results that do not count", () => {
  it("login-delay is the one code that is neither pass nor fault", () => {
    expect(countsAsFailure("login-delay")).toBe(false);
    for (const code of ["auth", "in-use", "server-temporary", "connect", null, undefined])
      expect(countsAsFailure(code)).toBe(true);
  });

  it("the ledger keeps them apart and the engine skips them: no failing time, unknown once stale", async () => {
    const tables = new ResultTables(openDatabase(":memory:"));
    // ok, then ten login-delay refusals in a row, then ok again after a gap of 11 minutes
    const results = [result(0), ...Array.from({ length: 10 }, (_, i) => result(i + 1, "login-delay"))];
    results.push(result(11), result(12, "auth"), result(13, "auth"));
    for (const r of results) tables.insert({ type: "check", payload: r }, "a", 0);
    const [series] = await tables.observationSeries(0, rules.now);
    expect(Array.from(series!.ok)).toEqual([1, ...Array<number>(10).fill(NOT_COUNTED), 1, 0, 0]);
    const state = vantageState(series!, rules);
    // only the two auth failures fail; minutes 3 to 11 were covered by no counted result
    expect(state.failing).toEqual([{ start: 12 * MIN, end: 16 * MIN }]);
    expect(state.fresh).toEqual([
      { start: 0, end: 3 * MIN },
      { start: 11 * MIN, end: 16 * MIN },
    ]);
    expect(
      (await tables.checks({ from: 0, to: rules.now })).filter((c) => c.code === "login-delay"),
    ).toHaveLength(10);
  });

  it("loose observations marked counted: false are skipped the same way", () => {
    const [series] = groupObservations([
      { service: "pop", vantage: "a", at: 0, ok: false, counted: false },
      { service: "pop", vantage: "a", at: MIN, ok: false, counted: false },
    ]);
    const state = vantageState(series!, rules);
    expect(state.failing).toEqual([]);
    expect(state.fresh).toEqual([]);
  });
});
