import { describe, expect, it } from "vitest";
import type { ToolRun } from "../../bench/delivery-common.js";
import { deliveryTable, unusableRuns } from "../../bench/delivery.js";

/**
 * The delivery bench may only compare tools that actually ran: a side with under 90 % successful
 * probes gets no ratio, and the bench names it with its own error (issue 12: a peer that failed every
 * probe was still given "CPU 1.9x").
 */

function run(tool: string, ok: number, errors: string[] = []): ToolRun {
  return {
    tool,
    probes: 20,
    lagsMs: Array.from({ length: ok }, (_, i) => 30 + i),
    cpuSeconds: 0.5,
    cpuProbes: 20,
    cpuSource: "test",
    method: "",
    cpuMethod: "",
    bound: "",
    errors,
  };
}

const ratios = (table: string) =>
  table
    .split("\n")
    .slice(2)
    .map((line) =>
      line
        .trim()
        .split(/\s{2,}/)
        .slice(-2),
    );

describe("delivery bench honesty", () => {
  it("gives ratios when every side succeeded at least 90 % of the time", () => {
    const runs = [run("mailsla", 20), run("peer", 18)];
    expect(unusableRuns(runs)).toBeUndefined();
    expect(ratios(deliveryTable(runs))[1]).toEqual(["0.97×", "1×"]);
  });

  it("names a failing peer with its own error and prints no ratio for it", () => {
    const missing = "EMAIL DELIVERY UNKNOWN - plugin 1 error: Missing perl modules: Net::SMTP::TLS";
    const runs = [run("mailsla", 20), run("check_email_delivery", 0, [missing])];
    const why = unusableRuns(runs);
    expect(why).toContain("check_email_delivery: 0/20 probes succeeded (at least 18 needed)");
    expect(why).toContain(missing);
    expect(why).not.toContain("mailsla:");
    expect(ratios(deliveryTable(runs))[1]).toEqual(["-", "-"]);
  });

  it("gives no ratio to anyone when mailsla itself failed", () => {
    const runs = [run("mailsla", 17, ["timeout at auth: no answer"]), run("peer", 20)];
    expect(unusableRuns(runs)).toContain("mailsla: 17/20");
    expect(ratios(deliveryTable(runs))[1]).toEqual(["-", "-"]);
  });
});
