/**
 * The `sink` and `deliveries` keys of the configuration: defaults, and every cross-reference error
 * reported at its key path and line like the rest of the schema.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliveriesFor, sinkDomain, sinkListen } from "../../config/delivery.js";
import { systemClock } from "../../contract/clock.js";
import { startSink } from "../../probes/delivery/sink.js";
import { allocatePorts } from "../stack/ports.js";
import { parseConfigText } from "../../config/load.js";
import { configErrorOf } from "../helpers/config-error.js";

const base = `
operator: { name: Test Mail, totalUsers: 1000 }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a }]
accounts:
  probe1: { username: probe1@probe.test, password: { env: MAILSLA_TEST_PW } }
  probe2: { username: probe2@probe.test, password: { env: MAILSLA_TEST_PW } }
  bare: { username: probe3, password: { env: MAILSLA_TEST_PW } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - { name: sub, kind: submission, host: 127.0.0.1, account: probe1, foreignRecipient: x@remote.test }
  - { name: imap, kind: imap, host: 127.0.0.1, account: probe2 }
  - { name: pop, kind: pop3, host: 127.0.0.1, account: bare }
thresholds: { quorum: 1 }
sink: { listen: "127.0.0.1:2525", domain: sink.example.net }
deliveries:
`;

beforeEach(() => {
  process.env.MAILSLA_TEST_PW = "pw";
});
afterEach(() => {
  delete process.env.MAILSLA_TEST_PW;
});

describe("deliveries configuration", () => {
  it("applies defaults and is optional altogether", () => {
    const c = parseConfigText(
      base +
        "  - { name: out, direction: send, via: sub }\n" +
        "  - { name: in, direction: receive, via: mx, mailbox: imap }\n" +
        '  - { name: rt, direction: roundtrip, via: sub, mailbox: imap, lossTimeout: "2h", interval: 60 }\n',
    );
    expect(c.deliveries.map((d) => [d.name, d.interval, d.lossTimeout, d.timeout])).toEqual([
      ["out", 300_000, 21_600_000, 60_000],
      ["in", 300_000, 21_600_000, 60_000],
      ["rt", 60_000, 7_200_000, 60_000],
    ]);
    const without = parseConfigText(base.replace(/sink:.*\n/, "").replace("deliveries:\n", ""));
    expect(without.deliveries).toEqual([]);
    expect(without.sink).toBeUndefined();
  });

  it("refuses a via of the wrong kind, unknown services and a mailbox that is not imap or pop3", () => {
    const msg = configErrorOf(
      base +
        "  - { name: out, direction: send, via: mx }\n" +
        "  - { name: in, direction: receive, via: sub, mailbox: mx }\n" +
        "  - { name: rt, direction: roundtrip, via: nope, mailbox: gone }\n",
    );
    expect(msg).toContain('deliveries[0].via (line 17): send goes via a submission service; "mx" is smtp');
    expect(msg).toContain(
      'deliveries[1].via (line 18): receive goes via a smtp service; "sub" is submission',
    );
    expect(msg).toContain(
      'deliveries[1].mailbox (line 18): the mailbox must be an imap or pop3 service; "mx" is smtp',
    );
    expect(msg).toContain('deliveries[2].via (line 19): unknown service "nope"');
    expect(msg).toContain('deliveries[2].mailbox (line 19): unknown service "gone"');
  });

  it("needs a mailbox to read in, an address to send to, and the sink for send", () => {
    const msg = configErrorOf(
      base.replace(/sink:.*\n/, "") +
        "  - { name: out, direction: send, via: sub, mailbox: imap }\n" +
        "  - { name: in, direction: receive, via: mx }\n" +
        "  - { name: pop, direction: receive, via: mx, mailbox: pop, from: p@x.test }\n" +
        "  - { name: in2, direction: receive, via: mx, mailbox: imap }\n",
    );
    expect(msg).toContain("deliveries[0].mailbox (line 16): send messages go to the sink, not to a mailbox");
    expect(msg).toContain("deliveries[0].direction (line 16): send needs the sink");
    expect(msg).toContain("deliveries[1].mailbox (line 17): receive needs a mailbox");
    expect(msg).toContain(
      'deliveries[2].recipient (line 18): missing; the account "bare" of "pop" is not an address',
    );
    expect(msg).toContain("deliveries[3].from (line 19): missing; give the sender address");
  });

  it("refuses duplicates and unknown segments and vantage points", () => {
    const msg = configErrorOf(
      base +
        "  - { name: out, direction: send, via: sub, segments: [west] }\n" +
        "  - { name: out, direction: send, via: sub, vantagePoints: [z] }\n",
    );
    expect(msg).toContain('deliveries[0].segments[0] (line 17): unknown segment "west"');
    expect(msg).toContain('deliveries[1].name (line 18): duplicate delivery "out"');
    expect(msg).toContain('deliveries[1].vantagePoints[0] (line 18): unknown vantage point "z"');
  });

  it("refuses bad durations, addresses and unknown keys", () => {
    const msg = configErrorOf(
      base +
        '  - { name: out, direction: send, via: sub, lossTimeout: "six hours" }\n' +
        "  - { name: in, direction: receive, via: mx, mailbox: imap, recipent: x@y.test }\n" +
        "  - { name: in2, direction: receive, via: mx, mailbox: imap, from: not-an-address }\n",
    );
    expect(msg).toContain(
      'deliveries[0].lossTimeout (line 17): expected a duration like "30s", "5m" or "3h"',
    );
    expect(msg).toContain('deliveries[1] (line 18): unknown key "recipent"');
    expect(msg).toMatch(/deliveries\[2\]\.from \(line 19\): .*email/i);
  });

  it("makes agents that share a sink domain use {vantage}, and substitutes it", () => {
    const two = base.replace("[{ name: a }]", "[{ name: a }, { name: b }]");
    const send = "  - { name: out, direction: send, via: sub }\n";
    expect(configErrorOf(two + send)).toContain(
      'sink.domain (line 15): 2 vantage points run send probes but share one sink domain; use "{vantage}.sink.example.net"',
    );
    const ok = parseConfigText(two.replace("sink.example.net", '"{vantage}.sink.example.net"') + send);
    expect(sinkDomain(ok.sink!, "B")).toBe("b.sink.example.net");
    const one = parseConfigText(two + send.replace("}", ", vantagePoints: [b] }"));
    expect(deliveriesFor(one.deliveries, "a")).toEqual([]);
    expect(deliveriesFor(one.deliveries, "b").map((d) => d.name)).toEqual(["out"]);
  });

  it("gives each agent sharing one file its own sink address with {vantage} in sink.listen", async () => {
    const two = base
      .replace("[{ name: a }]", '[{ name: "127.0.0.2" }, { name: "127.0.0.3" }]')
      .replace("sink.example.net", '"{vantage}.sink.example.net"');
    const lease = await allocatePorts(1);
    const port = lease.ports[0]!;
    const send = "  - { name: out, direction: send, via: sub }\n";
    const c = parseConfigText(two.replace('"127.0.0.1:2525"', `"{vantage}:${port}"`) + send);
    const at = ["127.0.0.2", "127.0.0.3"].map((v) => sinkListen(c.sink!, v));
    expect(at).toEqual([`127.0.0.2:${port}`, `127.0.0.3:${port}`]);
    // both agents' sinks listen at once on one host: same port, each on its own address
    const sinks = await Promise.all(
      at.map((listen, i) =>
        startSink({ listen, domain: sinkDomain(c.sink!, `v${i}`), clock: systemClock, onArrival: () => {} }),
      ),
    );
    try {
      expect(sinks.map((s) => `${s.address.host}:${s.address.port}`)).toEqual(at);
    } finally {
      await Promise.all(sinks.map((s) => s.close()));
      lease.release();
    }
  });
});
