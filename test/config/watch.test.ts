/**
 * `services[].watch` of an IMAP mailbox (mode auto | idle | poll, pollInterval): defaults, and errors
 * that name the key path and line like the rest of the schema.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfigText } from "../../config/load.js";
import { configErrorOf } from "../helpers/config-error.js";

const config = (imapExtra: string) => `
operator: { name: Test Mail, totalUsers: 1000 }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a }]
thresholds: { quorum: 1 }
accounts:
  probe1: { username: probe1@probe.test, password: { env: MAILSLA_TEST_PW } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - name: imap
    kind: imap
    host: 127.0.0.1
    account: probe1
${imapExtra}
`;

beforeEach(() => {
  process.env.MAILSLA_TEST_PW = "pw";
});
afterEach(() => {
  delete process.env.MAILSLA_TEST_PW;
});

describe("services[].watch", () => {
  it("is optional; mode defaults to auto; pollInterval is a duration", () => {
    const none = parseConfigText(config(""));
    expect(none.services[1]).not.toHaveProperty("watch");
    const c = parseConfigText(config("    watch: { pollInterval: 2s }"));
    expect(c.services[1]).toMatchObject({ watch: { mode: "auto", pollInterval: 2000 } });
    const poll = parseConfigText(config("    watch: { mode: poll }"));
    expect(poll.services[1]).toMatchObject({ watch: { mode: "poll" } });
  });

  it("names key and line of a wrong mode, a bad interval and an unknown key", () => {
    expect(configErrorOf(config("    watch:\n      mode: push"))).toMatch(
      /services\[1\]\.watch\.mode \(line 15\): .*"auto".*"idle".*"poll"/,
    );
    expect(configErrorOf(config("    watch: { pollInterval: soon }"))).toMatch(
      /services\[1\]\.watch\.pollInterval \(line 14\)/,
    );
    expect(configErrorOf(config("    watch: { idleLag: 1s }"))).toMatch(
      /services\[1\]\.watch \(line 14\): unknown key "idleLag"/,
    );
  });
});
