import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFile, parseConfigText } from "../../config/load.js";
import { configErrorOf } from "../helpers/config-error.js";

const dir = mkdtempSync(join(tmpdir(), "mailsla-config-"));
const secretFile = join(dir, "probe2");
writeFileSync(secretFile, "s3cret-from-file\n");

const base = `
operator: { name: Test Mail, totalUsers: 1000 }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a }, { name: b }]
accounts:
  probe1: { username: probe1@probe.test, password: { env: MAILSLA_TEST_PW } }
  probe2: { username: probe2@probe.test, password: { file: ${secretFile} } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - { name: sub, kind: submission, host: 127.0.0.1, account: probe1, foreignRecipient: x@remote.test }
  - { name: imap, kind: imap, host: 127.0.0.1, account: probe2 }
  - { name: web, kind: webmail, url: "http://127.0.0.1:8080/" }
`;

beforeEach(() => {
  process.env.MAILSLA_TEST_PW = "s3cret-from-env";
});
afterEach(() => {
  delete process.env.MAILSLA_TEST_PW;
});

describe("a valid configuration", () => {
  it("applies defaults: ports by kind and TLS mode, time zone, thresholds, agent", () => {
    const c = parseConfigText(base);
    expect(c.operator.timeZone).toBe("Asia/Shanghai");
    const ports = Object.fromEntries(c.services.map((s) => [s.name, "port" in s ? s.port : undefined]));
    expect(ports).toEqual({ mx: 25, sub: 587, imap: 993, web: undefined });
    expect(c.thresholds).toEqual({ consecutiveFailures: 2, quorum: 2, staleAfterIntervals: 3 });
    expect(c.agent.interval).toBe(60_000);
    expect(Object.isFrozen(c.services[0])).toBe(true);
  });

  it("reads secrets from the environment and files, and never prints them", () => {
    const c = parseConfigText(base);
    expect(c.accounts.probe1?.password.reveal()).toBe("s3cret-from-env");
    expect(c.accounts.probe2?.password.reveal()).toBe("s3cret-from-file");
    const dumped = JSON.stringify(c) + inspect(c, { depth: 10 }) + String(c.accounts.probe1?.password);
    expect(dumped).not.toContain("s3cret");
    expect(dumped).toContain("[secret]");
  });

  it("accepts the shipped example file", () => {
    const example = join(import.meta.dirname, "../../config/mailsla.example.yaml");
    // the file as shipped, with only its secret file pointed somewhere readable and its variables set
    const text = readFileSync(example, "utf8").replace("/run/secrets/mailsla-probe2", secretFile);
    const variables = [...text.matchAll(/\{ env: (MAILSLA_\w+) \}/g)].map((m) => m[1]!);
    variables.forEach((v, i) => (process.env[v] = `example-secret-${i}`));
    try {
      const c = parseConfigText(text, example);
      expect(c.services.map((s) => s.kind)).toEqual([
        "smtp",
        "relay",
        "submission",
        "imap",
        "pop3",
        "webmail",
        "sender-auth",
        "dnsbl",
        "dns-policy",
        "role-addresses",
      ]);
      expect(c.deliveries?.map((d) => d.direction)).toEqual(["send", "receive", "roundtrip"]);
      expect(Object.keys(c.collector?.agentTokens ?? {})).toEqual(["beijing-1", "shanghai-1", "guangzhou-1"]);
      expect(c.report?.recipients).toEqual(["noc-manager@example.com"]);
    } finally {
      for (const v of variables) delete process.env[v];
    }
  });
});

describe("a bad configuration names the key path and what was expected", () => {
  it("missing key", () => {
    const msg = configErrorOf(base.replace("totalUsers: 1000 ", ""));
    expect(msg).toMatch(/operator\.totalUsers \(line 2\): missing; expected number/);
  });

  it("wrong type", () => {
    const msg = configErrorOf(base.replace("totalUsers: 1000", "totalUsers: many"));
    expect(msg).toMatch(/operator\.totalUsers \(line 2\): expected number, received string/);
  });

  it("unknown check kind", () => {
    const msg = configErrorOf(base.replace("kind: smtp", "kind: smpt"));
    expect(msg).toMatch(
      /services\[0\]\.kind \(line 9\): unknown check kind "smpt"; expected one of smtp, submission, relay, imap, pop3, webmail/,
    );
  });

  it("bad port", () => {
    const msg = configErrorOf(
      base.replace("host: 127.0.0.1, account: probe2", "host: 127.0.0.1, port: 99999, account: probe2"),
    );
    expect(msg).toMatch(/services\[2\]\.port \(line 11\): expected a port number between 1 and 65535/);
  });

  it("unreadable secret file", () => {
    const unreadable = join(dir, "missing-secret");
    const msg = configErrorOf(base.replace(secretFile, unreadable));
    expect(msg).toContain(
      `accounts.probe2.password.file (line 7): cannot read secret file ${unreadable} (ENOENT)`,
    );
  });

  it("secret file without read permission", () => {
    const locked = join(dir, "locked");
    writeFileSync(locked, "x");
    chmodSync(locked, 0o000);
    // root reads anything: then the file is readable and the config valid, which is also right.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) expect(() => parseConfigText(base.replace(secretFile, locked))).not.toThrow();
    else expect(configErrorOf(base.replace(secretFile, locked))).toContain("(EACCES)");
  });

  it("unset environment variable", () => {
    delete process.env.MAILSLA_TEST_PW;
    expect(configErrorOf(base)).toContain(
      "accounts.probe1.password.env (line 6): environment variable MAILSLA_TEST_PW is not set",
    );
  });

  it("unknown key, with a typo'd name", () => {
    const msg = configErrorOf(base.replace("{ name: mx, kind: smtp,", "{ name: mx, kind: smtp, hots: x,"));
    expect(msg).toMatch(/services\[0\] \(line 9\): unknown key "hots"/);
  });

  it("dangling references", () => {
    const msg = configErrorOf(
      base
        .replace("account: probe2", "account: probe9")
        .replace("host: 127.0.0.1 }", "host: 127.0.0.1, segments: [west] }"),
    );
    expect(msg).toContain(
      'services[2].account (line 11): unknown account "probe9"; define it under accounts',
    );
    expect(msg).toContain('services[0].segments[0] (line 9): unknown segment "west"');
  });

  it("an impossible quorum", () => {
    const msg = configErrorOf(base + "thresholds: { quorum: 3 }\n");
    expect(msg).toContain("thresholds.quorum (line 13): quorum 3 exceeds the 2 vantage point(s)");
  });

  it("inline secrets are refused", () => {
    const msg = configErrorOf(base.replace("{ env: MAILSLA_TEST_PW }", "hunter2"));
    expect(msg).toContain(
      "accounts.probe1.password (line 6): expected { env: VARIABLE } or { file: /path/to/file }",
    );
    expect(msg).not.toContain("hunter2");
  });

  it("bad time zone and bad duration", () => {
    const msg = configErrorOf(
      base.replace("name: Test Mail,", "name: Test Mail, timeZone: Mars/Olympus,") +
        "agent: { interval: 5 minutes }\n",
    );
    expect(msg).toContain("operator.timeZone (line 2): expected an IANA time zone");
    expect(msg).toContain(
      'agent.interval (line 13): expected a duration like "30s", "5m" or "3h", got "5 minutes"',
    );
  });

  it("YAML syntax errors give the line", () => {
    expect(configErrorOf(base + "  - : : [\n")).toMatch(/YAML syntax \(line \d+\)/);
  });

  it("an unreadable file", () => {
    expect(() => loadConfigFile(join(dir, "nope.yaml"))).toThrow(/cannot read the file \(ENOENT\)/);
  });
});
