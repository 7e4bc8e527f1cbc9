/**
 * Probe messages: the token survives the round trip through the message and the sink address, the
 * header matcher finds only real probes, and neither building nor matching ever throws on garbage.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildProbeMessage,
  formatMailDate,
  isToken,
  newToken,
  probeHeaders,
  tokenFromAddress,
} from "../../probes/delivery/message.js";
import { parseMailDate } from "../../probes/delivery/received.js";
import { probeOf } from "../../probes/delivery/watch.js";

const input = (token: string) => ({
  token,
  delivery: "receive-mx",
  vantage: "beijing-1",
  from: "mailsla@sink.example.net",
  to: "probe2@probe.test",
  date: Date.UTC(2026, 10, 22, 3, 4, 5),
});

describe("probe messages", () => {
  it("carry their token in headers a mailbox copy gives back, and a Date a parser reads", () => {
    const token = newToken();
    const text = buildProbeMessage(input(token));
    expect(text).toMatch(/^From: mailsla probe <mailsla@sink\.example\.net>\r\n/);
    expect(text).toContain(`\r\nX-Mailsla-Probe: ${token}\r\n`);
    expect(text).toContain(`\r\nMessage-ID: <${token}.mailsla@sink.example.net>\r\n`);
    expect(text).toContain(`\r\nSubject: [mailsla probe] receive-mx ${token}\r\n`);
    expect(text).toContain("\r\nAuto-Submitted: auto-generated\r\n");
    expect(text).not.toMatch(/[^\r]\n/);
    expect(probeHeaders(text)).toEqual({ token, vantage: "beijing-1" });
    // what an MTA makes of it: Received lines prepended, header folded, case changed
    const delivered = `Return-Path: <x@y>\nReceived: from a\n by b; Sun, 22 Nov 2026 03:04:06 +0000\n${text
      .replace("X-Mailsla-Probe:", "x-mailsla-probe:\n\t")
      .replace(/\r\n/g, "\n")}`;
    const probe = probeOf(delivered);
    expect(probe?.token).toBe(token);
    expect(probe?.date).toBe(Date.UTC(2026, 10, 22, 3, 4, 5));
    expect(probe?.hops).toEqual([{ from: "a", by: "b", at: Date.UTC(2026, 10, 22, 3, 4, 6) }]);
    expect(parseMailDate(formatMailDate(input(token).date))).toBe(input(token).date);
  });

  it("tokens are unique, well formed and valid local parts; sink addresses give them back", () => {
    const tokens = new Set(Array.from({ length: 2000 }, newToken));
    expect(tokens.size).toBe(2000);
    for (const t of tokens) expect(isToken(t)).toBe(true);
    const t = [...tokens][0]!;
    expect(tokenFromAddress(`${t}@Sink.Example.NET`, "sink.example.net")).toBe(t);
    expect(tokenFromAddress(`${t.toUpperCase()}@sink.example.net`, "sink.example.net")).toBe(t);
    expect(tokenFromAddress(`${t}@other.net`, "sink.example.net")).toBeUndefined();
    expect(tokenFromAddress(`postmaster@sink.example.net`, "sink.example.net")).toBeUndefined();
    expect(tokenFromAddress(`${t}x@sink.example.net`, "sink.example.net")).toBeUndefined();
  });

  it("a header block without a well-formed probe header is not a probe", () => {
    const token = newToken();
    expect(probeHeaders(`Subject: hi\r\n\r\nX-Mailsla-Probe: ${token}\r\n`)).toBeUndefined(); // in the body
    expect(probeHeaders(`X-Mailsla-Probe: ${token.slice(1)}\r\n`)).toBeUndefined();
    expect(probeHeaders(`X-Mailsla-Probe-Not: ${token}\r\n`)).toBeUndefined();
    expect(probeHeaders(new TextEncoder().encode(`X-Mailsla-Probe: ${token}\r\n`))).toEqual({ token });
  });

  it("building never throws and never lets an input inject a header", () => {
    fc.assert(
      fc.property(
        fc.record({
          token: fc.string(),
          delivery: fc.string(),
          vantage: fc.string(),
          from: fc.string(),
          to: fc.string(),
          date: fc.oneof(fc.double(), fc.integer()),
        }),
        (m) => {
          const text = buildProbeMessage(m);
          const header = text.split("\r\n\r\n")[0]!;
          expect(header.split("\r\n")).toHaveLength(11);
          expect(header).not.toMatch(/[^\x20-\x7e\r\n]/);
          const probe = probeHeaders(text);
          expect(probe === undefined || probe.token === m.token).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("matching never throws on garbage, text or bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.uint8Array()), fc.string(), (raw, domain) => {
        const probe = probeOf(raw);
        expect(probe === undefined || isToken(probe.token)).toBe(true);
        const fromAddress = tokenFromAddress(typeof raw === "string" ? raw : domain, domain);
        expect(fromAddress === undefined || isToken(fromAddress)).toBe(true);
      }),
      { numRuns: 1000 },
    );
    const token = newToken();
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        const probe = probeOf(
          `${before.replace(/\r?\n\r?\n/g, "")}\r\nX-Mailsla-Probe: ${token}\r\n${after}`,
        );
        expect(probe === undefined || probe.token === token).toBe(true);
      }),
    );
  });
});
