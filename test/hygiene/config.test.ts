/**
 * The sender-hygiene kinds in the configuration schema: their defaults, the bounds that keep their
 * cost to the operator's servers and the blocklists small, and resolvers given as addresses only.
 */
import { describe, expect, it } from "vitest";
import { countsForAvailability, EVENT_KINDS } from "../../config/hygiene.js";
import { Service } from "../../config/services.js";

const issues = (raw: unknown) => {
  const r = Service.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("sender-hygiene configuration", () => {
  it("sender-auth requires every aspect and uses the host's resolvers by default", () => {
    expect(Service.parse({ name: "auth", kind: "sender-auth" })).toMatchObject({
      require: ["spf", "dkim", "dmarc", "arc", "ptr", "helo"],
      dns: { timeout: 5000 },
    });
    expect(issues({ name: "auth", kind: "sender-auth", require: ["bimi"] })[0]).toMatch(/^require\.0: /);
  });

  it("takes resolvers as IP, IP:PORT or [IPv6]:PORT, never as names", () => {
    const dns = (servers: string[]) => issues({ name: "a", kind: "sender-auth", dns: { servers } });
    expect(dns(["127.0.0.1:5353", "192.0.2.53", "[2001:db8::53]:53", "2001:db8::53"])).toEqual([]);
    expect(dns(["resolver.example.net"])[0]).toMatch(
      /^dns\.servers\.0: expected an IP address, .* \(not a name/,
    );
    expect(dns(["127.0.0.1:53 x"])[0]).toMatch(
      /^dns\.servers\.0: expected an IP address, IPv4:PORT or \[IPv6\]:PORT/,
    );
    expect(dns(["127.0.0.1:70000"])).toHaveLength(1);
  });

  it("dnsbl: addresses and zones validated and bounded; cache and pacing defaults", () => {
    const ok = { name: "bl", kind: "dnsbl", addresses: ["192.0.2.1"], lists: [{ zone: "bl.example" }] };
    expect(Service.parse(ok)).toMatchObject({
      maxQueriesPerSecond: 10,
      minCache: 60_000,
      maxCache: 86_400_000,
      lists: [{ zone: "bl.example", codes: {} }],
    });
    expect(issues({ ...ok, addresses: ["mx.example.com"] })[0]).toMatch(
      /^addresses\.0: expected an IPv4 or IPv6/,
    );
    expect(issues({ ...ok, addresses: Array(65).fill("192.0.2.1") })[0]).toMatch(/^addresses: /);
    expect(issues({ ...ok, addresses: [] })[0]).toMatch(
      /^lists\.0\.target: a list of ips needs addresses or sinkPeers/,
    );
    expect(issues({ ...ok, lists: [{ zone: "dbl.example", target: "domain" }] })[0]).toMatch(
      /^lists\.0\.target: a list of domains needs domains/,
    );
    expect(issues({ ...ok, lists: [{ zone: "not a zone" }] })[0]).toMatch(
      /^lists\.0\.zone: expected a DNS zone/,
    );
    expect(issues({ ...ok, lists: [{ zone: "bl.example", codes: { two: "x" } }] })[0]).toMatch(
      /^lists\.0\.codes/,
    );
  });

  it("role-addresses: port 25 by default, postmaster and abuse unless told otherwise", () => {
    const s = Service.parse({
      name: "r",
      kind: "role-addresses",
      host: "mx",
      from: "a@b.example",
      domains: ["c.example"],
    });
    expect(s).toMatchObject({ port: 25, localParts: ["postmaster", "abuse"], tls: { mode: "starttls" } });
  });

  it("sending-limit: port 587, STARTTLS, and an interval of at least an hour is required", () => {
    const raw = {
      name: "l",
      kind: "sending-limit",
      host: "smtp.example",
      account: "limit",
      recipient: "limit@sink.example",
      burst: 20,
      interval: "6h",
    };
    expect(Service.parse(raw)).toMatchObject({ port: 587, tls: { mode: "starttls" }, burst: 20 });
    const issues = (over: object) =>
      Service.safeParse({ ...raw, ...over }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ interval: "59m" })).toEqual([
      "interval: expected at least 1h: every run sends up to `burst` real messages",
    ]);
    expect(issues({ burst: 1 })?.[0]).toMatch(/^burst: /);
    expect(issues({ recipient: "sink" })?.[0]).toMatch(/^recipient: expected the e-mail address/);
    // a burst spread over `within` gets the time it needs
    expect(Service.parse({ ...raw, within: "10m" })).toMatchObject({ within: 600_000, timeout: 660_000 });
    expect(Service.parse({ ...raw, within: "10m", timeout: "11m" })).toMatchObject({ timeout: 660_000 });
    expect(issues({ within: "10m", timeout: "5m" })).toEqual([
      "timeout: expected a timeout longer than `within`: the burst is spread over `within`",
    ]);
    expect(issues({ within: "2h" })).toEqual(["within: expected at most 1h"]);
  });

  it("the hygiene kinds are reputation, not availability; only sender-auth is event-driven", () => {
    expect(
      ["sender-auth", "dnsbl", "role-addresses", "dns-policy", "sending-limit"].map(countsForAvailability),
    ).toEqual([false, false, false, false, false]);
    expect(["smtp", "relay", "imap"].map(countsForAvailability)).toEqual([true, true, true]);
    expect([...EVENT_KINDS]).toEqual(["sender-auth"]);
  });
});
