import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsServer, type DnsServer } from "./dns.js";

/** The test DNS server answers what it was given, follows changes, and leaves nothing behind. */
describe("test stack: Knot DNS", () => {
  let dns: DnsServer;
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  beforeAll(async () => {
    dns = await startDnsServer({
      "probe.test": [
        { name: "probe.test", type: "TXT", value: "v=spf1 ip4:127.0.0.1 -all" },
        { name: "long.probe.test", type: "TXT", value: "k=rsa; p=" + "A".repeat(400) },
        { name: "mx.probe.test", type: "A", value: "127.0.0.1" },
      ],
      "127.in-addr.arpa": [{ name: "1.0.0.127.in-addr.arpa", type: "PTR", value: "mx.probe.test." }],
    });
    resolver.setServers([dns.server]);
  });
  afterAll(() => dns?.stop());

  it("serves TXT (long values split into strings), A and PTR over UDP", async () => {
    expect(await resolver.resolveTxt("probe.test")).toEqual([["v=spf1 ip4:127.0.0.1 -all"]]);
    expect((await resolver.resolveTxt("long.probe.test"))[0]!.join("")).toBe("k=rsa; p=" + "A".repeat(400));
    expect(await resolver.resolve4("mx.probe.test")).toEqual(["127.0.0.1"]);
    // resolvePtr, not reverse(): c-ares answers reverse() from /etc/hosts first
    expect(await resolver.resolvePtr("1.0.0.127.in-addr.arpa")).toEqual(["mx.probe.test"]);
  });

  it("changes and removes records while running", async () => {
    await dns.set("probe.test", "TXT", ["v=spf1 -all"]);
    expect(await resolver.resolveTxt("probe.test")).toEqual([["v=spf1 -all"]]);
    await dns.set("1.0.0.127.in-addr.arpa", "PTR", []);
    await expect(resolver.resolvePtr("1.0.0.127.in-addr.arpa")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("stops and removes its directory", async () => {
    const other = await startDnsServer({ "x.test": [] });
    const { existsSync } = await import("node:fs");
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
    const r = new Resolver({ timeout: 300, tries: 1 });
    r.setServers([other.server]);
    await expect(r.resolveSoa("x.test")).rejects.toBeTruthy();
  });
});
