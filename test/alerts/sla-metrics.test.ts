import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { faultUsersRatio, segmentsInFault } from "../../collector/metrics/live-gauges.js";
import { registerSlaMetrics, SLA_GAUGES } from "../../collector/metrics/sla-metrics.js";
import { promtoolCheckMetrics } from "../helpers/tools.js";
import { NOW, snapshot } from "./sla-snapshot.js";

async function scrape(provider = snapshot): Promise<string> {
  const registry = new Registry();
  registerSlaMetrics(registry, provider);
  return registry.metrics();
}

/** The value of the one series whose line starts with `series` (name and labels as exposed). */
function valueOf(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series} in\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe("collector SLA metrics", () => {
  it("passes promtool check metrics", async () => {
    const verdict = promtoolCheckMetrics(await scrape());
    expect(verdict.output).toBe("");
    expect(verdict.ok).toBe(true);
  });

  it("exports each figure in base units beside its target from indicators.ts", async () => {
    const t = await scrape();
    expect(valueOf(t, 'mailsla_sla_fault_weighted_seconds{indicator="faultMinutes",clause="7.1.2"}')).toBe(
      7200,
    );
    expect(valueOf(t, 'mailsla_sla_target_seconds{indicator="faultMinutes",clause="7.1.2"}')).toBe(24_000);
    expect(valueOf(t, 'mailsla_sla_target_seconds{indicator="maintenanceMinutes",clause="7.1.3"}')).toBe(
      30_000,
    );
    expect(valueOf(t, 'mailsla_sla_target_seconds{indicator="sendDelayMaximum",clause="7.1.8"}')).toBe(
      10_800,
    );
    expect(valueOf(t, 'mailsla_sla_target_ratio{indicator="availability",clause="7.1.4"}')).toBe(0.99);
    expect(valueOf(t, 'mailsla_sla_target_day_number{indicator="faultFreeDays",clause="7.1.5"}')).toBe(300);
    expect(valueOf(t, 'mailsla_sla_fault_free_day_number{indicator="faultFreeDays",clause="7.1.5"}')).toBe(
      352,
    );
    expect(
      valueOf(
        t,
        'mailsla_sla_availability_ratio{indicator="availability",clause="7.1.4",weighting="strict"}',
      ),
    ).toBeCloseTo(1 - 432 / (15 * 1440), 12);
    expect(
      valueOf(
        t,
        'mailsla_sla_delivery_delay_maximum_seconds{indicator="sendDelayMaximum",clause="7.1.8",direction="send"}',
      ),
    ).toBe(700);
    expect(
      valueOf(t, 'mailsla_sla_loss_ratio{indicator="lossRate",clause="7.1.12",direction="receive"}'),
    ).toBe(0.01);
    expect(valueOf(t, 'mailsla_sla_compliant{indicator="openRelayClosed",clause="7.1.14"}')).toBe(0);
    expect(
      valueOf(t, 'mailsla_sla_pass{figure="openRelayClosed",indicator="openRelayClosed",clause="7.1.14"}'),
    ).toBe(0);
    expect(
      valueOf(t, 'mailsla_sla_pass{figure="faultMinutes",indicator="faultMinutes",clause="7.1.2"}'),
    ).toBe(1);
    expect(
      valueOf(
        t,
        'mailsla_sla_error_bound_seconds{figure="faultMinutes",indicator="faultMinutes",clause="7.1.2"}',
      ),
    ).toBe(120);
  });

  it("leaves an unmeasured figure absent rather than zero", async () => {
    const t = await scrape();
    expect(t).not.toMatch(/mailsla_sla_delivery_delay_average_seconds\{[^}]*receive/);
    expect(t).not.toMatch(/mailsla_sla_pass\{figure="lossRate"/); // reported only: no verdict
  });

  it("exports budgets used and remaining for 7.1.2, 7.1.3 and 7.1.5", async () => {
    const t = await scrape();
    expect(valueOf(t, 'mailsla_sla_budget_used_ratio{indicator="faultMinutes",clause="7.1.2"}')).toBe(0.3);
    expect(valueOf(t, 'mailsla_sla_budget_used_ratio{indicator="maintenanceMinutes",clause="7.1.3"}')).toBe(
      0.9,
    );
    expect(valueOf(t, 'mailsla_sla_budget_used_ratio{indicator="faultFreeDays",clause="7.1.5"}')).toBe(0.2);
    expect(valueOf(t, 'mailsla_sla_budget_remaining_seconds{indicator="faultMinutes",clause="7.1.2"}')).toBe(
      280 * 60,
    );
    expect(
      valueOf(t, 'mailsla_sla_budget_remaining_day_number{indicator="faultFreeDays",clause="7.1.5"}'),
    ).toBe(52);
    expect(valueOf(t, 'mailsla_sla_system_fault_seconds{clause="7.1.4"}')).toBeCloseTo(432 * 60, 6);
    expect(valueOf(t, 'mailsla_sla_period_elapsed_ratio{period="month"}')).toBe(0.5);
    expect(valueOf(t, 'mailsla_sla_notice_violations{clause="6.1.6"}')).toBe(0);
    expect(valueOf(t, 'mailsla_sla_incidents{segment="north"}')).toBe(2);
  });

  it("exports the live state: service states, fault share, maintenance, agents", async () => {
    const t = await scrape();
    expect(valueOf(t, 'mailsla_service_state{service="mx",segment="north",state="down"}')).toBe(1);
    expect(valueOf(t, 'mailsla_service_state{service="mx",segment="north",state="up"}')).toBe(0);
    expect(valueOf(t, 'mailsla_service_state{service="mx",segment="south",state="unknown"}')).toBe(1);
    // south's webmail is down inside an announced window: maintenance, not fault
    expect(valueOf(t, 'mailsla_segment_in_fault{segment="south"}')).toBe(0);
    expect(valueOf(t, 'mailsla_segment_in_fault{segment="north"}')).toBe(1);
    expect(valueOf(t, "mailsla_fault_users_ratio")).toBe(0.6);
    expect(valueOf(t, 'mailsla_maintenance_active{service="webmail",segment="south"}')).toBe(1);
    expect(valueOf(t, 'mailsla_maintenance_active{service="mx",segment="south"}')).toBe(0);
    expect(valueOf(t, 'mailsla_maintenance_windows{state="upcoming"}')).toBe(1);
    expect(valueOf(t, 'mailsla_maintenance_late_notice_windows{clause="6.1.6"}')).toBe(1);
    expect(valueOf(t, 'mailsla_incidents_active{segment="north"}')).toBe(1);
    expect(valueOf(t, 'mailsla_agent_last_push_timestamp_seconds{vantage="a"}')).toBe((NOW - 30_000) / 1000);
    expect(valueOf(t, 'mailsla_agent_last_push_timestamp_seconds{vantage="b"}')).toBe(0);
  });

  it("counts a late window's down time as fault when the operator says so", () => {
    const s = snapshot();
    const live = {
      ...s.live,
      maintenance: s.live.maintenance.map((w) => ({ ...w, countsAs: "fault" as const })),
    };
    expect([...segmentsInFault(live, NOW)].sort()).toEqual(["north", "south"]);
    expect(faultUsersRatio(live, NOW)).toBe(0.9);
  });

  it("help texts carry the clause and target", async () => {
    const t = await scrape();
    expect(t).toContain(
      "# HELP mailsla_sla_fault_weighted_seconds SPEC 7.1.2 Monthly user-weighted fault duration (<= 400 minutes)",
    );
    expect(t).toMatch(
      /# HELP mailsla_sla_availability_ratio SPEC 7.1.4 System availability \(>= 0.99 ratio\)/,
    );
  });

  it("asks the provider once per scrape, and a failing provider fails the scrape", async () => {
    let calls = 0;
    await scrape(() => {
      calls++;
      return snapshot();
    });
    expect(calls).toBe(1);
    await expect(
      scrape(() => {
        throw new Error("store unavailable");
      }),
    ).rejects.toThrow("store unavailable");
  });

  it("documents every metric in docs/alerts.md", () => {
    const doc = readFileSync(new URL("../../docs/alerts.md", import.meta.url), "utf8");
    const missing = SLA_GAUGES.map((g) => g.name).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
