/**
 * Issue 10 on the status page: an incident row names the services that broke, each with its first
 * error code and stage and the vantage points that confirmed it; force majeure marks are listed
 * apart with their reasons and spans; an orphaned annotation shows as ORPHANED. The cause (the
 * operator's own words) stays off the public page.
 */
import { describe, expect, it } from "vitest";
import { runStarts } from "../../collector/sla/causes.js";
import { computeMonth } from "../../collector/sla/engine.js";
import type { EngineInput } from "../../collector/sla/timeline.js";
import type { StatusData } from "../../collector/status/data.js";
import { incidentsHtml } from "../../collector/status/sections.js";
import { DAY, DEC, HOUR, MIN, NOV, during, novemberInput, setup } from "../sla/fixtures.js";

const T = NOV + 10 * DAY + 14 * HOUR; // 2026-11-11 14:00 Shanghai
const GONE = "north@2026-11-20T02:00:00.000Z";

function page(input: EngineInput): string {
  const month = computeMonth(input, "2026-11");
  const d: StatusData = {
    now: DEC,
    month,
    year: null,
    live: null,
    latest: [],
    windows: [],
    agents: [],
    notices: [],
  };
  return incidentsHtml(d);
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ");

describe("status page incidents", () => {
  const s = setup({
    services: [
      { name: "imap", intervalMs: MIN },
      { name: "pop3", intervalMs: MIN },
    ],
  });
  const base = novemberInput(s, (svc, v) =>
    v === "c" ? () => false : during(svc.name === "imap" ? [T, T + 6 * HOUR] : [T + HOUR, T + 2 * HOUR]),
  );
  const input: EngineInput = {
    ...base,
    causes: runStarts(base).map((r) => ({
      ...r,
      code: r.service === "imap" ? "connect" : "auth",
      stage: r.service === "imap" ? "connect" : "login",
    })),
    forceMajeure: [{ id: "flood", reason: "Flood cut the power", start: T, end: T + 3 * HOUR }],
    annotations: [
      { incidentId: "north@2026-11-11T06:00:00.000Z", cause: "internal: Bob's change" },
      {
        incidentId: GONE,
        anchorEnd: Date.parse("2026-11-20T02:05:00Z"),
        forceMajeure: { reason: "Lightning" },
      },
    ],
  };

  it("names each service with its first error and the vantage points that confirmed it", () => {
    const t = text(page(input));
    expect(t).toContain("What broke");
    // imap spans the incident: no span of its own; pop3 was down for part of it: its own span
    expect(t).toMatch(/imap connect at connect, from a, b pop3/);
    expect(t).toMatch(/pop3 auth at login, from a, b, 15:00:00 – 16:00:00 /);
  });

  it("lists force majeure apart with reason and span, and the orphan as ORPHANED", () => {
    const html = page(input);
    const t = text(html);
    expect(html).toContain('class="force-majeure"');
    expect(t).toMatch(/Flood cut the power north 11 Nov 14:00:00 – 11 Nov 17:00:00 108\.00 min/);
    expect(html).toContain('class="orphans"');
    expect(t).toMatch(
      /ORPHANED north 20 Nov 10:00:00 – 20 Nov 10:05:00 force majeure: Lightning; matches no incident/,
    );
    expect(t).not.toContain("Bob");
  });

  it("shows marks and orphans even in a month without incidents", () => {
    const quiet = novemberInput(s, () => () => false);
    const t = text(page({ ...quiet, annotations: input.annotations }));
    expect(t).toContain("No incidents this month.");
    expect(t).toContain("ORPHANED");
  });
});
