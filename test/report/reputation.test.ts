/**
 * The report's "sender reputation" section (issue 14): a month of sender-hygiene results written to
 * a real SQLite ledger through the store's ingest, read back by loadReputation (one query per
 * hygiene service, the failed sender-auth messages' aspects from their payloads), judged into the
 * eight rows, and shown in the PDF (pdftotext; pages rendered by pdftoppm and kept for a look),
 * the HTML e-mail and the CSV. The verdict rules are checked on their own too: a failure seen is
 * FAIL, no-verdict codes vouch for nothing, a month not seen enough is UNPROVEN, a row without a
 * check is "not checked".
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatherReport } from "../../collector/report/gather.js";
import { buildReport, type ReportModel } from "../../collector/report/model.js";
import { renderReport, type RenderedReport } from "../../collector/report/render.js";
import { ledgerLoadMonth } from "../../collector/report/ledger-source.js";
import { loadReputation, MAX_PAYLOADS } from "../../collector/report/reputation-source.js";
import {
  REPUTATION_ROWS,
  reputationRows,
  type ReputationInput,
  type ReputationRow,
} from "../../collector/sla/reputation.js";
import { openStore } from "../../collector/store/index.js";
import type { CollectorStore } from "../../collector/store/types.js";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import type { ProbeResult } from "../../contract/result.js";
import { failedAspectsOf } from "../../contract/sender-auth.js";
import { DAY, HOUR, MIN, NOV } from "../sla/fixtures.js";
import { TONE_COLOR } from "../../collector/report/sections.js";
import { countColor, GENERATED_AT, pdfPages, pdfText } from "./helpers.js";
import { nov, seedSource } from "./seed.js";

const DEC = NOV + 30 * DAY;
const MONTH = { start: NOV, end: DEC };
const show = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ");

const CONFIG = `
operator: { name: Reputation Test Mail, totalUsers: 1000 }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a, location: here }, { name: b, location: there }]
services:
  - { name: auth, kind: sender-auth }
  - name: rbl
    kind: dnsbl
    addresses: [192.0.2.25]
    lists: [{ zone: bl.example.org }]
    interval: 15m
  - { name: roles, kind: role-addresses, host: mx.example.com, from: p@sink.example.net, domains: [example.com], interval: 1h }
  - { name: policy, kind: dns-policy, domains: [example.com], interval: 1h }
  - name: limit
    kind: sending-limit
    host: smtp.example.com
    account: limit
    recipient: limit@sink.example.net
    burst: 20
    interval: 1d
accounts:
  limit: { username: limit@example.com, password: { env: MAILSLA_TEST_LIMIT_PASSWORD } }
`;

/** A stored check result of a hygiene service. */
function result(
  check: string,
  kind: ProbeResult["kind"],
  at: number,
  error?: { code: string; stage: string; message: string },
  vantage = "a",
): ProbeResult {
  return {
    id: randomUUID(),
    check,
    kind,
    vantage,
    startedAt: at,
    durationSeconds: 0.2,
    ok: !error,
    ...(error ? { error: error as ProbeResult["error"] } : {}),
    phases: {},
  };
}

const DKIM_AND_PTR =
  "dkim=fail (d=example.com s=s2026: body hash did not verify) from 192.0.2.25: " +
  "spf=pass dkim=fail dmarc=pass arc=none ptr=missing helo=pass";

/**
 * November's hygiene results: sender-auth every 10 minutes from a and b, one hour (Nov 10 08:00)
 * of messages failing DKIM and PTR; the blocklists every 15 minutes, a refused answer now and
 * then; role addresses hourly; the policy hourly, failing mta-sts-mx for Nov 1-2; the sending
 * limit daily at 03:00, throttled as it should be.
 */
function november(): ProbeResult[] {
  const out: ProbeResult[] = [];
  for (let t = NOV; t < DEC; t += 10 * MIN) {
    const bad = t >= nov(10, 8) && t < nov(10, 9);
    const error = bad ? { code: "dkim-fail", stage: "dkim", message: DKIM_AND_PTR } : undefined;
    out.push(
      result("auth", "sender-auth", t, error, "a"),
      result("auth", "sender-auth", t + MIN, error, "b"),
    );
  }
  for (let t = NOV, i = 0; t < DEC; t += 15 * MIN, i++) {
    const refused = i % 97 === 50;
    out.push(
      result(
        "rbl",
        "dnsbl",
        t,
        refused
          ? { code: "dnsbl-refused", stage: "dnsbl", message: "127.255.255.254: public resolver" }
          : undefined,
      ),
    );
  }
  for (let t = NOV; t < DEC; t += HOUR) {
    out.push(result("roles", "role-addresses", t));
    const mx = t < nov(3);
    out.push(
      result(
        "policy",
        "dns-policy",
        t + 5 * MIN,
        mx
          ? {
              code: "mta-sts-mx",
              stage: "policy",
              message: "1 problem(s): MX mx2.example.com matches none of example.com's MTA-STS mx patterns",
            }
          : undefined,
      ),
    );
  }
  for (let d = 1; d <= 30; d++) out.push(result("limit", "sending-limit", nov(d, 3)));
  return out;
}

let dir: string;
let store: CollectorStore;
let config: Readonly<Config>;
let input: ReputationInput;
let model: ReportModel;
let out: RenderedReport;
const row = (key: string): ReputationRow => model.reputation.find((r) => r.key === key)!;

beforeAll(async () => {
  process.env.MAILSLA_TEST_LIMIT_PASSWORD = "x";
  dir = path.join(tmpdir(), `mailsla-reputation-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  config = parseConfigText(CONFIG, "reputation.yaml");
  store = openStore(path.join(dir, "ledger.sqlite"));
  const records = november().map((payload) => ({ type: "check" as const, payload }));
  for (let i = 0; i < records.length; i += 1000)
    await store.ingest("a", records.slice(i, i + 1000), DEC + HOUR);
  // as the report command and the schedule read it: ledgerLoadMonth over the store
  const source = await ledgerLoadMonth(store, config, () => DEC + HOUR)("2026-11");
  input = source.reputation!;
  expect(input).toEqual(await loadReputation(store.results, config, MONTH));
  model = buildReport(gatherReport({ ...seedSource(), reputation: input }, "2026-11", GENERATED_AT));
  out = await renderReport(model, new Date(GENERATED_AT));
}, 60_000);
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("sender reputation from the ledger", () => {
  it("reads each hygiene service's results, and the aspects of failed sender-auth messages", () => {
    expect(input.services.map((s) => [s.name, s.kind, s.freshMs / HOUR])).toEqual([
      ["auth", "sender-auth", 1],
      ["rbl", "dnsbl", 1],
      ["roles", "role-addresses", 3],
      ["policy", "dns-policy", 3],
      ["limit", "sending-limit", 72],
    ]);
    expect(input.results).toHaveLength(november().length);
    const failedAuth = input.results.filter((r) => r.service === "auth" && !r.ok);
    expect(failedAuth).toHaveLength(12);
    for (const r of failedAuth) expect(r.failedAspects).toEqual(["dkim", "ptr"]);
    expect(MAX_PAYLOADS).toBeGreaterThan(failedAuth.length);
  });

  it("judges the eight rows: DKIM and PTR failed one hour, the policy two days; the rest pass", () => {
    expect(model.reputation.map((r) => [r.key, r.verdict])).toEqual([
      ["spf", "pass"],
      ["dkim", "fail"],
      ["dmarc", "pass"],
      ["ptr", "fail"],
      ["blocklists", "pass"],
      ["roleAddresses", "pass"],
      ["sendingLimits", "pass"],
      ["dnsPolicy", "fail"],
    ]);
    expect(row("dkim").evidence).toBe(
      `12 of 9312 results failed, first 2026-11-10 08:00, auth from a: dkim-fail (from 192.0.2.25: spf=pass dkim=fail dmarc=pass arc=none ptr=missing helo=pass); ` +
        "passing again since 2026-11-30 23:51",
    );
    // read from the messages, not the code (dkim-fail names only the first failing aspect)
    expect(row("ptr")).toMatchObject({ failed: 12, results: 8640 });
    expect(row("ptr").evidence).toMatch(
      /^12 of 8640 results failed, first 2026-11-10 08:00, auth from a: ptr failed \(/,
    );
    expect(row("dnsPolicy").evidence).toMatch(
      /^48 of 720 results failed, first 2026-11-01 00:05, policy from a: mta-sts-mx \(1 problem\(s\): MX mx2/,
    );
    // refused answers vouch for nothing, the rest cover the month
    expect(row("blocklists")).toMatchObject({ results: 2880 - 30, failed: 0, coverage: 1 });
    // the daily check vouches for 3 days (3 intervals): the month's first 3 hours are unseen
    expect(row("sendingLimits").coverage).toBeCloseTo(1 - 3 / 720, 6);
    expect(row("sendingLimits").evidence).toBe("30 results, none failed, 99.6 % of the month seen");
    // and beside the entered 7.1.15 in the indicator table
    expect(model.indicators.find((r) => r.key === "sendingLimits")!.note).toBe(
      "measured beside it (sender reputation): PASS, 30 results, none failed, 99.6 % of the month seen",
    );
    expect(model.reputation.map((r) => r.clause)).toEqual([
      "2.2.2, note 14",
      "2.2.3, note 15",
      "2.2.3, note 16",
      "2.2.1, 2.2.2, notes 12, 13, 19",
      "2.2.4, note 17",
      "2.2.6",
      "SPEC 7.1.15; 2.6.5, note 10",
      "2.2",
    ]);
  });

  it("shows the section in the PDF, the HTML e-mail and the CSV", () => {
    const text = pdfText(out.pdf);
    expect(text).toContain("Sender reputation (marketing specification 2.2, SPEC 7.1.15)");
    expect(text).toMatch(/5 pass, 3 fail, 0 UNPROVEN/);
    for (const r of model.reputation) expect(text).toContain(r.clause.split(/[,;]/)[0]);
    expect(text).toMatch(/2\.2\.6\s+postmaster@ and abuse@\s+PASS/);
    expect(out.html).toContain("Sender reputation (marketing specification 2.2, SPEC 7.1.15)");
    expect(out.html).toContain("postmaster@ and abuse@");
    expect(out.html.match(/>FAIL</g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    const csv = out.csv.split("\r\n").filter((l) => l.includes(",reputation,"));
    expect(csv).toHaveLength(REPUTATION_ROWS.length);
    expect(csv[1]).toMatch(
      /^2026-11,"2\.2\.3, note 15",DKIM,pass,,,fail,,reputation,"12 of 9312 results failed/,
    );
    expect(out.text).toContain("Sender reputation");
    // MAILSLA_TEST_KEEP_PAGES=DIR keeps the rendered pages there (at 100 dpi) for a person to look at
    const keep = process.env.MAILSLA_TEST_KEEP_PAGES;
    if (keep) pdfPages(out.pdf, keep, 100);
    const pages = pdfPages(out.pdf, dir, 100);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    // the section's rows on the page after its start (the top third: no chart there) show their
    // verdicts in colour: red FAIL, green PASS
    const index = text.split("\f").findIndex((t) => t.includes("Sender reputation ("));
    const page = pages[index + 1]!;
    const top = {
      ...page,
      height: Math.floor(page.height / 3),
      rgb: page.rgb.subarray(0, page.width * Math.floor(page.height / 3) * 3),
    };
    expect(countColor(top, TONE_COLOR.fail, 40)).toBeGreaterThan(40);
    expect(countColor(top, TONE_COLOR.pass, 40)).toBeGreaterThan(40);
  });
});

describe("reputation verdict rules", () => {
  const services = [{ name: "rbl", kind: "dnsbl", freshMs: HOUR }];
  const at = (h: number, ok = true, code: string | null = null) => ({
    service: "rbl",
    vantage: "a",
    at: NOV + h * HOUR,
    ok,
    code,
  });
  const hourly = (n: number) => Array.from({ length: n }, (_, h) => at(h));
  const blocklists = (results: ReturnType<typeof at>[]) =>
    reputationRows({ services, results }, MONTH, show).find((r) => r.key === "blocklists")!;

  it("a row without a check is UNPROVEN: not checked", () => {
    const rows = reputationRows({ services: [], results: [] }, MONTH, show);
    expect(rows.map((r) => r.verdict)).toEqual(Array(8).fill("unproven"));
    expect(rows[0]!.evidence).toBe(
      "not checked: no sender-auth or dns-policy service is configured (or none requires spf)",
    );
    expect(rows[5]!.evidence).toBe("not checked: no role-addresses service is configured");
  });

  it("every hour seen passes; a day unseen is UNPROVEN; a listing anywhere is FAIL", () => {
    expect(blocklists(hourly(720)).verdict).toBe("pass");
    const gap = blocklists(hourly(696));
    expect(gap.verdict).toBe("unproven");
    expect(gap.evidence).toBe(
      "696 results, none failed, 96.7 % of the month seen: 24.0 h without a fresh result could hold a failure",
    );
    const listed = blocklists([...hourly(10), at(10, false, "listed"), at(11)]);
    expect(listed).toMatchObject({ verdict: "fail", failed: 1, results: 12 });
    expect(listed.evidence).toContain("passing again since 2026-11-01 03:00"); // UTC in this test
    expect(blocklists([]).evidence).toBe("no result of rbl in the month");
  });

  it("no-verdict answers vouch for nothing", () => {
    const refused = hourly(720).map((r, i) => (i % 2 ? { ...r, ok: false, code: "dnsbl-refused" } : r));
    expect(blocklists(refused)).toMatchObject({ verdict: "unproven", results: 360, failed: 0 });
    expect(blocklists(refused).evidence).toMatch(
      /50\.0 % of the month seen: 360\.0 h without a fresh result/,
    );
    const allRefused = hourly(720).map((r) => ({ ...r, ok: false, code: "dns-temporary" }));
    expect(blocklists(allRefused).verdict).toBe("unproven");
  });

  it("sender-auth aspects: the code names the first, the message every one; unrequired aspects are not judged", () => {
    expect(failedAspectsOf(DKIM_AND_PTR)).toEqual(["dkim", "ptr"]);
    expect(failedAspectsOf("spf=fail from 192.0.2.1: spf=fail dkim=pass")).toBeUndefined();
    const auth = (require?: string[]) => [
      { name: "auth", kind: "sender-auth", freshMs: HOUR, ...(require ? { require } : {}) },
    ];
    const failing = [{ service: "auth", vantage: "a", at: NOV, ok: false, code: "dkim-fail" }];
    const rows = (require?: string[]) =>
      Object.fromEntries(
        reputationRows({ services: auth(require), results: failing }, MONTH, show).map((r) => [
          r.key,
          r.verdict,
        ]),
      );
    // without the message only the code's aspect is known: DKIM fails, the others are unseen
    expect(rows()).toMatchObject({ spf: "unproven", dkim: "fail", dmarc: "unproven", ptr: "unproven" });
    expect(rows(["spf", "dmarc"])).toMatchObject({ spf: "unproven", dkim: "unproven" });
    expect(reputationRows({ services: auth(["spf"]), results: [] }, MONTH, show)[1]!.evidence).toBe(
      "not checked: no sender-auth or dns-policy service is configured (or none requires dkim/arc)",
    );
  });
});
