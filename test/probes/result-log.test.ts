/**
 * Quiet by default: the agent's log says what changes (a first failure, the failure that makes this
 * vantage point count the service down, the recovery), never each passed check, except at debug.
 */
import { describe, expect, it } from "vitest";
import type { Logger } from "../../contract/log.js";
import { ResultLog } from "../../probes/result-log.js";
import { checkResult, deliveryResult } from "../collector/fixtures.js";

type Line = { level: string; msg: string; fields: Record<string, unknown> };

function recorder(): { log: Logger; lines: Line[]; at: (level: string) => string[] } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) =>
    void lines.push({ level, msg, fields });
  const log = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  } as unknown as Logger;
  return { log, lines, at: (level) => lines.filter((l) => l.level === level).map((l) => l.msg) };
}

const fail = { ok: false, error: { code: "connect", stage: "connect", message: "ECONNREFUSED" } } as const;

describe("ResultLog", () => {
  it("logs passed checks at debug only", () => {
    const r = recorder();
    const results = new ResultLog(r.log, 2);
    for (let i = 0; i < 50; i++) results.check(checkResult("a", { startedAt: i * 60_000 }));
    expect(r.at("debug")).toHaveLength(50);
    expect(r.lines.filter((l) => l.level !== "debug")).toEqual([]);
  });

  it("says a service's first failure, its confirmation and its recovery, once each", () => {
    const r = recorder();
    const results = new ResultLog(r.log, 3);
    results.check(checkResult("a", { startedAt: 0 }));
    for (let i = 1; i <= 6; i++) results.check(checkResult("a", { startedAt: i * 60_000, ...fail }));
    results.check(checkResult("a", { startedAt: 7 * 60_000 }));
    results.check(checkResult("a", { startedAt: 8 * 60_000 }));
    expect(r.at("warn")).toEqual([
      "check mx failed (first failure)",
      "check mx failing: 3 failures in a row, this vantage point counts it down",
    ]);
    expect(r.at("info")).toEqual(["check mx recovered after 6 failure(s)"]);
    expect(r.lines.find((l) => l.level === "info")!.fields).toMatchObject({ failures: 6, seconds: 360 });
    expect(r.at("debug")).toHaveLength(9); // every result is still there at debug
  });

  it("keeps separate runs per service and per delivery", () => {
    const r = recorder();
    const results = new ResultLog(r.log, 2);
    results.check(checkResult("a", { check: "mx", ...fail }));
    results.check(checkResult("a", { check: "imap", ...fail }));
    results.delivery(deliveryResult("a", { outcome: "lost" }));
    results.delivery(deliveryResult("a"));
    expect(r.at("warn")).toEqual([
      "check mx failed (first failure)",
      "check imap failed (first failure)",
      "delivery roundtrip failed (first failure)",
    ]);
    expect(r.at("info")).toEqual(["delivery roundtrip recovered after 1 failure(s)"]);
  });
});
