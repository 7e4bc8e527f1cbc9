/**
 * `mailsla check --service NAME` with the name of a delivery points at `--delivery NAME`: the
 * one-shot delivery probe is a different command, and the error says so instead of "no such service".
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { checkOnce } from "../../cli/check-once.js";
import { parseConfigText } from "../../config/load.js";

const yaml = `
operator: { name: Test Mail, totalUsers: 1000 }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a }]
accounts: { probe1: { username: probe1@probe.test, password: { env: MAILSLA_TEST_PW } } }
services:
  - { name: sub, kind: submission, host: 127.0.0.1, account: probe1, foreignRecipient: x@remote.test }
thresholds: { quorum: 1 }
sink: { listen: "127.0.0.1:2525", domain: sink.example.net }
deliveries:
  - { name: out, direction: send, via: sub }
`;

beforeEach(() => void (process.env.MAILSLA_TEST_PW = "pw"));
afterEach(() => void delete process.env.MAILSLA_TEST_PW);

it("names --delivery when a --service is a delivery", async () => {
  const config = parseConfigText(yaml);
  await expect(checkOnce(config, "a", ["out", "nope"])).rejects.toThrow(
    'no such service for vantage point "a": out, nope (out: a delivery; try --delivery NAME)',
  );
  await expect(checkOnce(config, "a", ["nope"])).rejects.toThrow(
    /^no such service for vantage point "a": nope$/,
  );
});
