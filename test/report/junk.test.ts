/**
 * Probe messages filed as spam (7.1.11 false positives) in the monthly report: a month of delivery
 * results written to a real SQLite ledger through the store's ingest, read by ledgerLoadMonth, and
 * counted per direction (receive and roundtrip; send probes arrive at the sink, lost ones are
 * 7.1.12's); the rate shows in its own section, beside the entered 7.1.11 spam ratio (the row's
 * note), in the PDF, the HTML e-mail, the text and the CSV. A month without arrivals has no section.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatherReport } from "../../collector/report/gather.js";
import { junkRows } from "../../collector/report/junk.js";
import { ledgerLoadMonth } from "../../collector/report/ledger-source.js";
import { buildReport, type ReportModel } from "../../collector/report/model.js";
import { renderReport, type RenderedReport } from "../../collector/report/render.js";
import { openStore } from "../../collector/store/index.js";
import type { CollectorStore } from "../../collector/store/types.js";
import { parseConfigText } from "../../config/load.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import { DAY, HOUR, MIN, NOV } from "../sla/fixtures.js";
import { GENERATED_AT, pdfPages, pdfText } from "./helpers.js";
import { seedSource } from "./seed.js";

const DEC = NOV + 30 * DAY;

const CONFIG = `
operator: { name: Junk Test Mail, totalUsers: 1000 }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a, location: here }]
thresholds: { quorum: 1 }
services: [{ name: mx, kind: smtp, host: mx.example.com }]
`;

/** A delivery result of the month. */
function delivery(
  direction: DeliveryResult["direction"],
  at: number,
  outcome: DeliveryResult["outcome"],
): { type: "delivery"; payload: DeliveryResult } {
  const arrived = outcome === "delivered" || outcome === "spam";
  return {
    type: "delivery",
    payload: {
      id: randomUUID(),
      delivery: direction === "send" ? "out" : direction === "receive" ? "in" : "rt",
      direction,
      vantage: "a",
      token: "abcdefghijklmnopqrstuvwxyz",
      sentAt: at,
      outcome,
      ...(arrived ? { delaySeconds: 2, errorBoundSeconds: 0.5, clock: "monotonic" as const } : {}),
      ...(outcome === "lost" ? { ageSeconds: 21_600 } : {}),
    },
  };
}

/**
 * November: 200 receive probes (3 filed in Junk, 2 lost), 100 roundtrip probes (1 in Junk), 50
 * send probes (arrived at the sink: no Junk there); and 5 receive probes in Junk in October, which
 * November's figure must not count.
 */
function records() {
  const out = [];
  for (let i = 0; i < 200; i++)
    out.push(delivery("receive", NOV + i * HOUR, i < 3 ? "spam" : i < 5 ? "lost" : "delivered"));
  for (let i = 0; i < 100; i++)
    out.push(delivery("roundtrip", NOV + i * HOUR + MIN, i === 7 ? "spam" : "delivered"));
  for (let i = 0; i < 50; i++) out.push(delivery("send", NOV + i * HOUR + 2 * MIN, "delivered"));
  for (let i = 0; i < 5; i++) out.push(delivery("receive", NOV - DAY + i * HOUR, "spam"));
  return out;
}

let dir: string;
let store: CollectorStore;
let model: ReportModel;
let out: RenderedReport;

beforeAll(async () => {
  dir = path.join(tmpdir(), `mailsla-junk-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  store = openStore(path.join(dir, "ledger.sqlite"));
  await store.ingest("a", records(), DEC + HOUR);
  const config = parseConfigText(CONFIG, "junk.yaml");
  const loaded = await ledgerLoadMonth(store, config, () => DEC + HOUR)("2026-11");
  expect(loaded.junk).toEqual({
    receive: { delivered: 195, spam: 3 },
    roundtrip: { delivered: 99, spam: 1 },
  });
  model = buildReport(gatherReport({ ...seedSource(), junk: loaded.junk! }, "2026-11", GENERATED_AT));
  out = await renderReport(model, new Date(GENERATED_AT));
}, 60_000);
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("probe messages filed as spam (7.1.11 false positives)", () => {
  it("counts the month's arrived receive and roundtrip probes by where they landed", () => {
    expect(model.junk.map((j) => [j.direction, j.arrived, j.spam, j.show.rate])).toEqual([
      ["receive", 198, 3, "1.515 %"],
      ["roundtrip", 100, 1, "1.000 %"],
    ]);
    const note = model.indicators.find((r) => r.key === "spamRatio")!.note;
    expect(note).toBe(
      "measured beside it: 1.342 % of probe messages filed as spam (4 of 298), false positives",
    );
  });

  it("shows them in the PDF, the HTML e-mail, the text and the CSV", () => {
    const text = pdfText(out.pdf);
    // MAILSLA_TEST_KEEP_PAGES=DIR keeps the rendered pages in DIR/junk for a person to look at
    const keep = process.env.MAILSLA_TEST_KEEP_PAGES;
    if (keep) pdfPages(out.pdf, path.join(keep, "junk"), 100);
    expect(text).toContain("Probe messages filed as spam (7.1.11 false positives)");
    expect(text).toMatch(/Receiving\s+198\s+3\s+1\.515 %/);
    expect(text).toMatch(/Round trip\s+100\s+1\s+1\.000 %/);
    expect(text).toContain("Entered spam ratio (7.1.11): not entered.");
    expect(out.html).toContain("Probe messages filed as spam (7.1.11 false positives)");
    expect(out.html).toContain("1.515 %");
    expect(out.text).toMatch(/Receiving \(7\.1\.9\)\s+198\s+3\s+1\.515 %/);
    const csv = out.csv.split("\r\n").filter((l) => l.includes(",probes,"));
    expect(csv).toEqual([
      "2026-11,7.1.11,Probe messages filed as spam (receive): false positives,reported,1.515,%,reported,,probes,3 of 198 arrived probe messages in the Junk folder",
      "2026-11,7.1.11,Probe messages filed as spam (roundtrip): false positives,reported,1.000,%,reported,,probes,1 of 100 arrived probe messages in the Junk folder",
    ]);
  });

  it("has no section, no CSV row and no note without arrived probe messages", async () => {
    const none = buildReport(
      gatherReport(
        {
          ...seedSource(),
          junk: { receive: { delivered: 0, spam: 0 }, roundtrip: { delivered: 0, spam: 0 } },
        },
        "2026-11",
        GENERATED_AT,
      ),
    );
    expect(
      junkRows({ receive: { delivered: 0, spam: 0 }, roundtrip: { delivered: 0, spam: 0 } })[0]!.show.rate,
    ).toBe("no data");
    const r = await renderReport(none, new Date(GENERATED_AT));
    expect(r.text).not.toContain("filed as spam");
    expect(r.csv).not.toContain(",probes,");
    expect(none.indicators.find((x) => x.key === "spamRatio")!.note).toBeNull();
  });
});
