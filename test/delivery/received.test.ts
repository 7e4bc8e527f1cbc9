import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hopDelays, parseMailDate, parseReceived, receivedHops } from "../../probes/delivery/received.js";

const POSTFIX_HEADERS = [
  "Return-Path: <probe1@probe.test>",
  "Delivered-To: alice@probe.test",
  "Received: from mx.probe.test",
  "\tby mx.probe.test with LMTP",
  "\tid 6IpMGkyjQGnQAwAAYkRRNw",
  "\t(envelope-from <probe1@probe.test>)",
  "\tfor <alice@probe.test>; Sun, 22 Nov 2026 11:03:49 +0000",
  "Received: from client.example (localhost [127.0.0.1])",
  "\t(Authenticated sender: probe1@probe.test)",
  "\tby mx.probe.test (Postfix) with ESMTPSA id 4B1C2A0E3",
  "\tfor <alice@probe.test>; Sun, 22 Nov 2026 19:03:47 +0800 (CST)",
  "Subject: probe",
  "",
  "body",
].join("\r\n");

describe("Received: headers", () => {
  it("parses Postfix and Dovecot LMTP hops, newest first, with times in UTC", () => {
    const hops = receivedHops(POSTFIX_HEADERS);
    expect(hops).toEqual([
      { from: "mx.probe.test", by: "mx.probe.test", with: "LMTP", at: Date.UTC(2026, 10, 22, 11, 3, 49) },
      { from: "client.example", by: "mx.probe.test", with: "ESMTPSA", at: Date.UTC(2026, 10, 22, 11, 3, 47) },
    ]);
    expect(hopDelays(hops)).toEqual([{ by: "mx.probe.test", seconds: 2 }]);
  });

  it("reads dates without weekday, seconds or zone, and refuses impossible ones", () => {
    expect(parseMailDate("1 Jan 2026 00:00 +0100")).toBe(Date.UTC(2025, 11, 31, 23, 0, 0));
    expect(parseMailDate("Mon, 2 Feb 26 10:20:30 GMT")).toBe(Date.UTC(2026, 1, 2, 10, 20, 30));
    expect(parseMailDate("32 Jan 2026 10:00:00 +0000")).toBeUndefined();
    expect(parseMailDate("12 Foo 2026 10:00:00 +0000")).toBeUndefined();
    expect(parseMailDate("no date here")).toBeUndefined();
  });

  it("a header without a date is a hop without a time", () => {
    expect(parseReceived("from a by b with SMTP")).toEqual({ from: "a", by: "b", with: "SMTP" });
  });

  it("never throws on arbitrary input (fuzzed)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
        const hop = parseReceived(s);
        expect(typeof hop).toBe("object");
        receivedHops(`Received: ${s}\r\nReceived: ${s}; ${s}\r\n\r\n`);
        hopDelays(receivedHops(s));
        if (hop.at !== undefined) expect(Number.isFinite(hop.at)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips any valid date it is given (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1990-01-01T00:00:00Z"),
          max: new Date("2089-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (d, offset) => {
          const t = Math.floor(d.getTime() / 1000) * 1000;
          const local = new Date(t + offset * 60_000);
          const sign = offset < 0 ? "-" : "+";
          const abs = Math.abs(offset);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
          const text = `${local.toUTCString().slice(0, 25)} ${zone}`;
          expect(parseMailDate(text)).toBe(t);
        },
      ),
    );
  });
});
