/**
 * The status page's sender-hygiene section: hygiene results pushed through the real ingest API
 * (token, admission, SQLite ledger) show as one row per check and vantage point with their newest
 * result: PASSING, FAILING with the code, STALE when older than one result vouches for, NO RESULT
 * for a configured check that never reported; the page's UP/DOWN summary ignores them. The page is
 * loaded in Debian's headless Chromium and screenshotted (path printed) for a person to look at.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../../config/load.js";
import type { ProbeResult } from "../../contract/result.js";
import { bearer, testCollector, TOKENS, type TestCollector } from "../collector/fixtures.js";
import { launchBrowser, screenshotPath } from "./browser.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The page's clock: a fixed instant, so ages and staleness are exact. */
const NOW = Math.floor(Date.now() / MIN) * MIN;

process.env.MAILSLA_TEST_STATUS_LIMIT ??= "unused: the page never logs in";
const config = parseConfigText(
  `
operator: { name: Hygiene Status Mail, totalUsers: 100 }
segments: [{ name: all, users: 100 }]
vantagePoints: [{ name: a, location: here }, { name: b, location: there }]
services:
  - { name: auth, kind: sender-auth }
  - { name: rbl, kind: dnsbl, addresses: [192.0.2.25], lists: [{ zone: bl.example.org }], interval: 15m }
  - { name: roles, kind: role-addresses, host: mx.example.com, from: p@sink.example.net, domains: [example.com], interval: 1h }
  - { name: policy, kind: dns-policy, domains: [example.com], interval: 1h }
  - { name: limit, kind: sending-limit, host: smtp.example.com, account: l, recipient: l@sink.example.net, burst: 20, interval: 1d }
accounts:
  l: { username: l@example.com, password: { env: MAILSLA_TEST_STATUS_LIMIT } }
`,
  "hygiene-status.yaml",
);

let c: TestCollector;

function result(check: string, kind: ProbeResult["kind"], vantage: string, ago: number, code?: string) {
  const payload: ProbeResult = {
    id: randomUUID(),
    check,
    kind,
    vantage,
    startedAt: NOW - ago,
    durationSeconds: 0.1,
    ok: code === undefined,
    ...(code
      ? { error: { code, stage: "dnsbl", message: `${code} for the test` } as ProbeResult["error"] }
      : {}),
    phases: {},
  };
  return { type: "check", payload };
}

async function push(vantage: "a" | "b", records: unknown[]): Promise<void> {
  const res = await c.app.inject({
    method: "POST",
    url: "/api/v1/ingest",
    headers: bearer(TOKENS[vantage]),
    payload: { records },
  });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  c = await testCollector({ described: config, now: () => NOW });
  await push("a", [
    result("auth", "sender-auth", "a", 2 * MIN),
    result("rbl", "dnsbl", "a", 40 * MIN),
    result("rbl", "dnsbl", "a", 10 * MIN, "listed"),
    result("roles", "role-addresses", "a", 30 * MIN),
    result("limit", "sending-limit", "a", 20 * HOUR),
  ]);
  await push("b", [
    result("auth", "sender-auth", "b", 3 * MIN),
    result("rbl", "dnsbl", "b", 80 * MIN), // older than an hour: stale
  ]);
}, 30_000);
afterAll(() => c?.close());

interface StatusJson {
  summary: { text: string };
  sections: Record<string, string>;
}

describe("status page: sender hygiene", () => {
  it("has a row per check and vantage point with its newest result", async () => {
    const j = (await c.app.inject({ url: "/status.json" })).json<StatusJson>();
    const html = j.sections.hygiene!;
    const rows = [
      ...html.matchAll(/<tr role="row"(?: class="([^"]*)")?><th scope="row" role="rowheader">(.*?)<\/tr>/g),
    ]
      .map((m) =>
        m[2]!
          .replace(/<time[^>]*>.*?<\/time>/g, "T")
          .replace(/<[^>]+>/g, " ")
          .replace(/\s+/g, " ")
          .trim(),
      )
      .filter((r) => !r.startsWith("Check"));
    expect(rows).toEqual([
      "auth sender-auth a ✓ PASSING T 2 min ago",
      "auth sender-auth b ✓ PASSING T 3 min ago",
      "rbl dnsbl a ✗ FAILING listed T 10 min ago",
      "rbl dnsbl b ✓ PASSING ? STALE T 80 min ago",
      "roles role-addresses a ✓ PASSING T 30 min ago",
      "policy dns-policy – ? NO RESULT none in the last 6 h 00 min",
      "limit sending-limit a ✓ PASSING T 20 h 00 min ago",
    ]);
    expect(html).toMatch(/<tr role="row" class="row-down"><th[^>]*>rbl/);
    // reputation, not availability: neither the summary nor the live state shows them
    expect(j.summary.text).toBe("UNKNOWN: no check results yet.");
    expect(j.sections.live).not.toMatch(/rbl|auth|limit/);
    // but an agent pushing only hygiene results is reporting
    expect(j.sections.agents!.match(/REPORTING/g)).toHaveLength(2);
  });

  it("renders in Chromium with no console errors (screenshot printed)", async () => {
    const address = await c.app.listen({ host: "127.0.0.1", port: 0 });
    const b = await launchBrowser({ width: 1400, height: 1100 });
    try {
      await b.page.goto(`${address}/`);
      const heading = await b.page.textContent("#h-hygiene");
      expect(heading).toBe("Sender hygiene (reputation, not availability)");
      expect(await b.page.locator("#hygiene tbody tr").count()).toBe(7);
      // MAILSLA_TEST_KEEP_PAGES=DIR keeps the screenshot there for a person to look at
      const keep = process.env.MAILSLA_TEST_KEEP_PAGES;
      const file = keep ? `${keep}/status-hygiene.png` : screenshotPath("hygiene.png");
      await b.page.screenshot({ path: file, fullPage: true });
      process.stdout.write(`status page hygiene screenshot: ${file}\n`);
      expect(b.problems).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
