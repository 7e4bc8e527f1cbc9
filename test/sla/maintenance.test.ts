import { describe, expect, it } from "vitest";
import { computeMonth } from "../../collector/sla/engine.js";
import { MaintenanceWindow } from "../../collector/sla/maintenance.js";
import { DAY, HOUR, MIN, NOV, during, novemberInput, setup } from "./fixtures.js";

const MONTH_MIN = 30 * 24 * 60;
const T = NOV + 10 * DAY;

/** Down from 2 of 3 vantage points during [T+10, T+40) (30 min), and during [T+5h, T+5h50) (50 min). */
const fails = (_s: unknown, v: string) =>
  v === "c" ? () => false : during([T + 10 * MIN, T + 40 * MIN], [T + 5 * HOUR, T + 5 * HOUR + 50 * MIN]);

const window = (announcedBefore: number, extra: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id: "w1",
  start: T,
  end: T + HOUR,
  announcedAt: T - announcedBefore,
  ...extra,
});

describe("maintenance windows (7.1.3, 6.1.6)", () => {
  it("7.1.3: down time inside a window announced 48 h ahead is maintenance, not fault", () => {
    const r = computeMonth(novemberInput(setup(), fails, { maintenance: [window(48 * HOUR)] }), "2026-11");
    expect(r.figures.maintenanceMinutes).toMatchObject({ clause: "7.1.3", target: 500, pass: true });
    expect(r.figures.maintenanceMinutes.value).toBeCloseTo(18, 9); // 30 min x 0.6
    expect(r.figures.faultMinutes.value).toBeCloseTo(30, 9); // only the later 50 min x 0.6
    expect(r.maintenance).toMatchObject([
      { id: "w1", violation: null, countedAs: "maintenance", noticeHours: 48 },
    ]);
    expect(r.maintenance[0]!.downWeightedMinutes).toBeCloseTo(18, 9);
    // 7.1.10: running time excludes the 30 maintenance minutes; 7.1.4 does not.
    expect(r.figures.faultFreeRate.value).toBeCloseTo(1 - 50 / (MONTH_MIN - 30), 12);
    expect(r.figures.availability.value).toBeCloseTo(1 - 50 / MONTH_MIN, 12);
  });

  it("6.1.6: a window announced 2 h ahead is flagged and, by default, its down time is fault", () => {
    const r = computeMonth(novemberInput(setup(), fails, { maintenance: [window(2 * HOUR)] }), "2026-11");
    expect(r.maintenance).toMatchObject([{ violation: "6.1.6", countedAs: "fault", noticeHours: 2 }]);
    expect(r.figures.maintenanceMinutes.value).toBe(0);
    expect(r.figures.faultMinutes.value).toBeCloseTo(48, 9); // (30 + 50) x 0.6
    expect(r.lateNoticeCountsAs).toBe("fault");
  });

  it("6.1.6: with lateNoticeCountsAs maintenance, the late window is still flagged, and the report says so", () => {
    const s = setup({ lateNoticeCountsAs: "maintenance" });
    const r = computeMonth(novemberInput(s, fails, { maintenance: [window(2 * HOUR)] }), "2026-11");
    expect(r.maintenance).toMatchObject([{ violation: "6.1.6", countedAs: "maintenance" }]);
    expect(r.figures.maintenanceMinutes.value).toBeCloseTo(18, 9);
    expect(r.lateNoticeCountsAs).toBe("maintenance");
  });

  it("exactly 24 h of notice is enough", () => {
    const r = computeMonth(novemberInput(setup(), fails, { maintenance: [window(24 * HOUR)] }), "2026-11");
    expect(r.maintenance[0]!.violation).toBeNull();
  });

  it("a window cancelled part-way ends there; cancelled before its start, it is void but listed", () => {
    const partWay = window(48 * HOUR, { cancelledAt: T + 20 * MIN });
    const r = computeMonth(novemberInput(setup(), fails, { maintenance: [partWay] }), "2026-11");
    expect(r.figures.maintenanceMinutes.value).toBeCloseTo(6, 9); // [T+10, T+20) x 0.6
    expect(r.maintenance[0]).toMatchObject({ cancelled: true, effectiveEnd: T + 20 * MIN });
    const before = window(48 * HOUR, { cancelledAt: T - HOUR });
    const v = computeMonth(novemberInput(setup(), fails, { maintenance: [before] }), "2026-11");
    expect(v.figures.maintenanceMinutes.value).toBe(0);
    expect(v.maintenance[0]).toMatchObject({ cancelled: true, effectiveEnd: T, downWeightedMinutes: 0 });
  });

  it("a window scoped to one service does not excuse another service down at the same time", () => {
    const s = setup({
      services: [
        { name: "mx", intervalMs: MIN },
        { name: "imap", intervalMs: MIN },
      ],
    });
    const both = (_svc: unknown, v: string) =>
      v === "c" ? () => false : during([T + 10 * MIN, T + 40 * MIN]);
    const w = window(48 * HOUR, { services: ["mx"] });
    const r = computeMonth(novemberInput(s, both, { maintenance: [w] }), "2026-11");
    // imap was down unplanned at the same time: the segment is in fault, and never in both.
    expect(r.figures.faultMinutes.value).toBeCloseTo(18, 9);
    expect(r.figures.maintenanceMinutes.value).toBe(0);
    expect(r.segments[0]).toMatchObject({ faultMinutes: 30, maintenanceMinutes: 0 });
  });

  it("a window scoped to other segments leaves this segment's fault alone", () => {
    const w = window(48 * HOUR, { segments: ["south"] });
    const r = computeMonth(novemberInput(setup(), fails, { maintenance: [w] }), "2026-11");
    expect(r.figures.maintenanceMinutes.value).toBe(0);
    expect(r.figures.faultMinutes.value).toBeCloseTo(48, 9);
  });

  it("the schema refuses a window that ends before it starts", () => {
    expect(MaintenanceWindow.safeParse({ id: "w", start: 10, end: 5, announcedAt: 0 }).success).toBe(false);
  });
});
