/**
 * The DNS blocklist check against a real name server (Knot) holding a test list: an unlisted IP
 * passes, the listed one fails with `listed`, the list's name, the meaning of its answer and its
 * TXT reason; a list refusing the query (127.255.255.254) is no verdict; answers are cached for
 * their TTL and queries paced at the configured rate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DnsblService } from "../../config/hygiene.js";
import { systemClock } from "../../contract/clock.js";
import { dnsblName } from "../../probes/kinds/dnsbl.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck, type RunDeps } from "../../probes/run-check.js";
import { startDnsServer, type DnsServer } from "../stack/dns.js";

let dns: DnsServer;
const deps: RunDeps = {
  kinds: KINDS,
  clock: systemClock,
  vantage: "test",
  accounts: {},
  ehloName: "agent.test",
};
let serial = 0;

beforeAll(async () => {
  dns = await startDnsServer({
    "bl.test": [
      { name: "2.0.0.127.bl.test", type: "A", value: "127.0.0.2", ttl: 300 },
      { name: "2.0.0.127.bl.test", type: "TXT", value: "listed for the test: see https://bl.test/2" },
    ],
    "strict.test": [{ name: "1.0.0.127.strict.test", type: "A", value: "127.255.255.254" }],
    "dbl.test": [{ name: "listed.example.dbl.test", type: "A", value: "127.0.1.2" }],
    "uribl.test": [{ name: "clean.example.uribl.test", type: "A", value: "127.0.0.1" }],
  });
});
afterAll(() => dns?.stop());

/** A dnsbl service of its own name (own cache) over the test lists. */
function service(addresses: string[], extra: Record<string, unknown> = {}) {
  serial += 1;
  return DnsblService.parse({
    name: `blocklists-${serial}`,
    kind: "dnsbl",
    addresses,
    lists: [
      {
        zone: "bl.test",
        name: "Test BL",
        codes: { "127.0.0.2": "spam source" },
        delistUrl: "https://bl.test/delist",
      },
    ],
    dns: { servers: [dns.server], timeout: "2s" },
    ...extra,
  });
}

describe("dnsbl check (Knot)", () => {
  it("builds RFC 5782 query names for IPv4, IPv6 and domains", () => {
    expect(dnsblName("192.0.2.1", "bl.test")).toBe("1.2.0.192.bl.test");
    expect(dnsblName("example.com", "dbl.test.")).toBe("example.com.dbl.test");
    expect(dnsblName("2001:db8::1", "bl.test")).toBe(
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test",
    );
  });

  it("passes for an address the list does not hold", async () => {
    const r = await runCheck(service(["127.0.0.1"]), 10_000, deps);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ ok: true, details: { queries: 1, cached: 0 } });
  });

  it("fails with listed, naming the list, the answer's meaning, the reason and the delisting link", async () => {
    const r = await runCheck(service(["127.0.0.1", "127.0.0.2"]), 10_000, deps);
    expect(r.error).toMatchObject({ code: "listed", stage: "dnsbl" });
    expect(r.error?.message).toMatch(/127\.0\.0\.2 on Test BL \(127\.0\.0\.2 spam source\) since \d{4}-/);
    expect(r.error?.message).toContain('"listed for the test: see https://bl.test/2"');
    expect(r.error?.message).toContain("delist: https://bl.test/delist");
    expect(r.error?.message).not.toContain("127.0.0.1 on");
  });

  it("caches answers for their TTL: a second run asks nothing, and a delisting shows after expiry", async () => {
    const s = service(["127.0.0.2"], { minCache: "1s", maxCache: "1s" });
    expect((await runCheck(s, 10_000, deps)).error?.code).toBe("listed");
    await dns.set("2.0.0.127.bl.test", "A", []);
    try {
      const again = await runCheck(s, 10_000, deps);
      expect(again.error?.code).toBe("listed"); // still the cached answer
      await new Promise((r) => setTimeout(r, 1100));
      const later = await runCheck(s, 10_000, deps);
      expect(later).toMatchObject({ ok: true, details: { queries: 1, cached: 0 } });
    } finally {
      await dns.set("2.0.0.127.bl.test", "A", ["127.0.0.2"], 300);
    }
  });

  it("paces queries at maxQueriesPerSecond", async () => {
    const addresses = ["127.0.0.10", "127.0.0.11", "127.0.0.12", "127.0.0.13"];
    const r = await runCheck(service(addresses, { maxQueriesPerSecond: 5 }), 10_000, deps);
    expect(r).toMatchObject({ ok: true, details: { queries: 4 } });
    expect(r.durationSeconds).toBeGreaterThanOrEqual(0.6 - 0.02); // 3 gaps of 200 ms
  });

  it("looks sending domains up in domain lists (DBL, URIBL): listed, or refused by the list's own code", async () => {
    const s = DnsblService.parse({
      name: "domains",
      kind: "dnsbl",
      domains: ["clean.example", "listed.example"],
      lists: [
        { zone: "dbl.test", name: "Test DBL", target: "domain", codes: { "127.0.1.2": "spam domain" } },
      ],
      dns: { servers: [dns.server] },
    });
    const r = await runCheck(s, 10_000, deps);
    expect(r.error).toMatchObject({ code: "listed", stage: "dnsbl" });
    expect(r.error?.message).toMatch(
      /^1 listing\(s\): listed\.example on Test DBL \(127\.0\.1\.2 spam domain\)/,
    );
    const uribl = DnsblService.parse({
      name: "uribl",
      kind: "dnsbl",
      domains: ["clean.example"],
      lists: [{ zone: "uribl.test", target: "domain", refused: ["127.0.0.1"] }],
      dns: { servers: [dns.server] },
    });
    expect((await runCheck(uribl, 10_000, deps)).error).toMatchObject({ code: "dnsbl-refused" });
  });

  it("a list refusing the query (127.255.255.254) is dnsbl-refused, not a listing", async () => {
    const s = DnsblService.parse({
      name: "strict",
      kind: "dnsbl",
      addresses: ["127.0.0.1"],
      lists: [{ zone: "strict.test" }],
      dns: { servers: [dns.server] },
    });
    const r = await runCheck(s, 10_000, deps);
    expect(r.error).toMatchObject({ code: "dnsbl-refused", stage: "dnsbl" });
  });
});
