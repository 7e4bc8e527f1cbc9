/**
 * A month seen for 7 hours (1 %) and healthy, on every surface: the SLA API, /metrics, the status
 * page, /status.json and the report (JSON model, HTML, text, PDF, CSV) say UNPROVEN for 7.1.2,
 * 7.1.4 and 7.1.10 and never PASS; the trend's months never monitored read "no data".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerLoadMonth } from "../../collector/report/ledger-source.js";
import { produceReport } from "../../collector/report/produce.js";
import type { RenderedReport } from "../../collector/report/render.js";
import { htmlText, parseCsv, pdfText } from "../report/helpers.js";
import { ADMIN, bearer } from "./fixtures.js";
import { checks, Clock, config, local, push, slaCollector, type SlaCollector } from "./sla-scenario.js";

let c: SlaCollector;
let report: RenderedReport;
const KEYS = ["faultMinutes", "availability", "faultFreeRate"] as const;

beforeAll(async () => {
  c = await slaCollector(new Clock(local("2025-03-31T20:00")));
  const from = local("2025-03-10T09:00");
  const to = local("2025-03-10T16:00");
  await push(c.app, [
    ...checks("mx", "smtp", ["a", "b", "c"], from, to),
    ...checks("imap", "imap", ["a", "b", "c"], from, to),
    ...checks("pop", "pop3", ["a", "b", "c"], from, to),
    ...checks("submission", "submission", ["a", "b", "c"], from, to),
  ]);
  const now = c.clock.now();
  report = await produceReport(
    ledgerLoadMonth(c.store, config(), () => now),
    "2025-03",
    now,
  );
});
afterAll(async () => {
  await c.close();
});

const get = async (url: string, headers = {}) => (await c.app.inject({ method: "GET", url, headers })).body;

describe("a month seen for 1 % of its time", () => {
  it("the SLA API: UNPROVEN with the unknown time named, coverage about 1 %", async () => {
    const sla = JSON.parse(await get("/api/v1/sla", bearer(ADMIN)));
    expect(sla.coverage.ratio).toBeGreaterThan(0.005);
    expect(sla.coverage.ratio).toBeLessThan(0.011);
    for (const k of KEYS) {
      expect(sla.figures[k].verdict, k).toBe("unproven");
      expect(sla.figures[k].evidence, k).toMatch(/unknown/);
    }
  });

  it("/metrics: mailsla_sla_verdict is 1 on unproven, 0 on pass", async () => {
    const text = await get("/metrics");
    for (const k of KEYS) {
      const line = (v: string) =>
        new RegExp(`^mailsla_sla_verdict\\{figure="${k}",[^}]*verdict="${v}"\\} (\\d)$`, "m").exec(text)?.[1];
      expect(line("unproven"), k).toBe("1");
      expect(line("pass"), k).toBe("0");
    }
  });

  it("the status page and /status.json: UNPROVEN on each time figure's row, never PASS", async () => {
    const page = await get("/");
    for (const clause of ["7.1.2", "7.1.4", "7.1.10"]) {
      const rows = page.split("<tr").filter((r) => r.includes(`<span class="clause">${clause}</span>`));
      expect(rows.length, clause).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row, clause).toContain("UNPROVEN");
        expect(row, clause).not.toMatch(/>\s*PASS\s*</);
      }
    }
    expect(page).toMatch(/The monitoring saw 0\.\d\d % of this month so far\. \d+ verdict\(s\) are UNPROVEN/);
    const json = JSON.parse(await get("/status.json")) as { sections: { figures: string } };
    expect(json.sections.figures).toContain("UNPROVEN");
    expect(json.sections.figures).not.toMatch(/>\s*PASS\s*</);
  });

  it("the report: UNPROVEN in the model, the headline, HTML, text, PDF and CSV", () => {
    const rows = report.model.indicators;
    for (const k of KEYS) expect(rows.find((r) => r.key === k)!.verdict, k).toBe("unproven");
    expect(report.model.summary.unproven).toBeGreaterThanOrEqual(3);
    const html = htmlText(report.html);
    expect(html).toMatch(/UNPROVEN: the monitoring did not see enough of the month/);
    expect(report.text).toMatch(/UNPROVEN/);
    const pdf = pdfText(report.pdf);
    expect(pdf).toMatch(/7\.1\.2\s+Monthly user-weighted fault duration.*unproven/);
    const csv = parseCsv(report.csv);
    expect(csv.find((r) => r[1] === "7.1.4")![6]).toBe("unproven");
  });

  it("the 12-month trend: months never monitored are no data and UNPROVEN, never 100 %", () => {
    const before = report.model.trend.filter((t) => t.month < "2025-03");
    expect(before).toHaveLength(11);
    for (const t of before) {
      expect(t, t.month).toMatchObject({ availability: null, verdict: "unproven" });
      expect(t.show.availability, t.month).toBe("no data");
      expect(t.show.faultDays, t.month).toBe("no data");
    }
    expect(report.model.year.verdict).toBe("unproven");
    expect(report.model.year.show.projection).toMatch(
      /to come: the year can still keep 300 fault-free days$/,
    );
  });
});
