/**
 * The published DNS policy check against a real name server (Knot): a domain publishing SPF, DMARC,
 * its DKIM key and TLS-RPT passes; each fault fails with its own code: an SPF record needing 11
 * lookups (an include chain) or two SPF records, DMARC missing or weaker than required, a listed
 * selector without a key, no TLS-RPT record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DnsPolicyService } from "../../config/hygiene.js";
import { systemClock } from "../../contract/clock.js";
import { hygieneDns } from "../../probes/hygiene/dns.js";
import { spfLookups } from "../../probes/kinds/dns-policy.js";
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
const SPF = "v=spf1 mx include:_spf.mail.test -all";
/** An include chain of `n` records, each one lookup (a) plus the next include. */
const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `c${i}.mail.test`,
    type: "TXT" as const,
    value: i + 1 < n ? `v=spf1 a include:c${i + 1}.mail.test -all` : "v=spf1 a -all",
  }));

beforeAll(async () => {
  dns = await startDnsServer({
    "mail.test": [
      { name: "mail.test", type: "TXT", value: SPF },
      { name: "_spf.mail.test", type: "TXT", value: "v=spf1 ip4:192.0.2.0/24 a:out.mail.test ~all" },
      { name: "_dmarc.mail.test", type: "TXT", value: "v=DMARC1; p=quarantine; rua=mailto:d@mail.test" },
      { name: "s1._domainkey.mail.test", type: "TXT", value: "v=DKIM1; k=rsa; p=MIIBIjANBgkq" },
      { name: "_smtp._tls.mail.test", type: "TXT", value: "v=TLSRPTv1; rua=mailto:tls@mail.test" },
      ...chain(6),
    ],
  });
});
afterAll(() => dns?.stop());

const service = (over: Record<string, unknown> = {}) =>
  DnsPolicyService.parse({
    name: "policy",
    kind: "dns-policy",
    domains: ["mail.test"],
    dkimSelectors: ["s1"],
    dmarcPolicy: "quarantine",
    tlsRpt: true,
    dns: { servers: [dns.server], timeout: "2s" },
    ...over,
  });

/** Runs the check with `name`'s `type` records replaced meanwhile; restores them. */
async function withRecords(name: string, values: string[], run: () => Promise<void>): Promise<void> {
  const before = dns.get(name, "TXT");
  await dns.set(name, "TXT", values);
  try {
    await run();
  } finally {
    await dns.set(name, "TXT", before);
  }
}

describe("dns-policy check (Knot)", () => {
  it("passes when SPF, DMARC, the DKIM key and TLS-RPT are published", async () => {
    const r = await runCheck(service(), 10_000, deps);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ ok: true, details: { domains: 1, selectors: 1 } });
  });

  it("counts SPF lookups through includes: 10 pass, 11 are spf-record", async () => {
    const d = hygieneDns({ servers: [dns.server], timeout: 2000 });
    expect(await spfLookups(d, "mail.test")).toBe(3); // mx, include, a: in the include
    expect(await spfLookups(d, "c0.mail.test")).toBe(11); // 6 a + 5 includes
    expect(await spfLookups(d, "c1.mail.test")).toBe(9);
    await withRecords("mail.test", ["v=spf1 include:c1.mail.test -all"], async () => {
      expect((await runCheck(service(), 10_000, deps)).ok).toBe(true); // exactly 10
    });
    await withRecords("mail.test", ["v=spf1 include:c0.mail.test -all"], async () => {
      const r = await runCheck(service(), 10_000, deps);
      expect(r.error).toMatchObject({ code: "spf-record", stage: "policy" });
      expect(r.error?.message).toContain("needs more than 10 DNS lookups");
    });
  });

  it("two SPF records, or none, are spf-record", async () => {
    await withRecords("mail.test", [SPF, "v=spf1 -all"], async () => {
      expect((await runCheck(service(), 10_000, deps)).error?.message).toContain("has 2 SPF records");
    });
    await withRecords("mail.test", ["google-site-verification=x"], async () => {
      expect((await runCheck(service(), 10_000, deps)).error).toMatchObject({ code: "spf-record" });
    });
  });

  it("DMARC missing, or weaker than required, is dmarc-record", async () => {
    const weaker = await runCheck(service({ dmarcPolicy: "reject" }), 10_000, deps);
    expect(weaker.error).toMatchObject({ code: "dmarc-record" });
    expect(weaker.error?.message).toContain("p=quarantine, weaker than p=reject");
    await withRecords("_dmarc.mail.test", [], async () => {
      expect((await runCheck(service(), 10_000, deps)).error?.message).toContain(
        "mail.test has no DMARC record",
      );
    });
  });

  it("a listed selector without a key is dkim-key-missing; no TLS-RPT record is tls-rpt-missing", async () => {
    const missing = await runCheck(service({ dkimSelectors: ["s1", "s2"] }), 10_000, deps);
    expect(missing.error).toMatchObject({ code: "dkim-key-missing" });
    expect(missing.error?.message).toContain("s2._domainkey.mail.test has no key");
    await withRecords("s1._domainkey.mail.test", ["v=DKIM1; p="], async () => {
      expect((await runCheck(service(), 10_000, deps)).error?.message).toContain("has a revoked key");
    });
    await withRecords("_smtp._tls.mail.test", [], async () => {
      expect((await runCheck(service(), 10_000, deps)).error).toMatchObject({ code: "tls-rpt-missing" });
    });
  });
});
