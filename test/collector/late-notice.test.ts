/**
 * The late-notice policy is the operator's (DESIGN step 4): with `sla.lateNoticeCountsAs:
 * maintenance` down time in a window announced 6 h ahead counts as maintenance, not fault, and the
 * API and the report say which policy was used.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../../config/load.js";
import { ledgerLoadMonth } from "../../collector/report/ledger-source.js";
import { produceReport } from "../../collector/report/produce.js";
import { ADMIN, bearer, tempDir } from "./fixtures.js";
import { checks, Clock, CONFIG_YAML, local, push, slaCollector, type SlaCollector } from "./sla-scenario.js";
import { join } from "node:path";

const cfg = parseConfigText(`${CONFIG_YAML}sla: { lateNoticeCountsAs: maintenance }\n`);
let c: SlaCollector;

beforeAll(async () => {
  c = await slaCollector(
    new Clock(local("2025-03-15T20:00")),
    join(tempDir("mailsla-late-"), "collector.sqlite"),
    cfg,
  );
  const w = await c.app.inject({
    method: "POST",
    url: "/api/v1/maintenance",
    headers: bearer(ADMIN),
    payload: { start: local("2025-03-16T02:00"), end: local("2025-03-16T03:00"), services: ["mx"] },
  });
  expect(w.json()).toMatchObject({ noticeHours: 6, lateNotice: true });
  c.clock.set("2025-03-16T03:01");
  const down = (_v: string, t: number) => t >= local("2025-03-16T02:00") && t < local("2025-03-16T02:20");
  const [from, to] = [local("2025-03-16T01:30"), local("2025-03-16T03:00")];
  await push(c.app, [
    ...checks("mx", "smtp", ["a", "b", "c"], from, to, down),
    ...checks("imap", "imap", ["a", "b", "c"], from, to),
    ...checks("pop", "pop3", ["a", "b", "c"], from, to),
    ...checks("submission", "submission", ["a", "b", "c"], from, to),
  ]);
});
afterAll(async () => {
  await c.close();
});

describe("sla.lateNoticeCountsAs: maintenance", () => {
  it("counts the late window's down time as maintenance, flags the 6.1.6 violation, and says so", async () => {
    const body = (await c.app.inject({ method: "GET", url: "/api/v1/sla", headers: bearer(ADMIN) })).json();
    expect(body.lateNoticeCountsAs).toBe("maintenance");
    expect(body.figures.faultMinutes.value).toBe(0);
    expect(body.figures.maintenanceMinutes.value).toBeCloseTo(20, 9); // mx serves every user
    expect(body.maintenance).toEqual([
      expect.objectContaining({ violation: "6.1.6", countedAs: "maintenance" }),
    ]);
    const now = c.clock.now();
    const report = await produceReport(
      ledgerLoadMonth(c.store, cfg, () => now),
      "2025-03",
      now,
    );
    expect(report.model.lateNoticeCountsAs).toBe("maintenance");
    expect(report.text).toMatch(/late.*maintenance/i);
  });
});
