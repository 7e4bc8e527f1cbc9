/**
 * The configuration test/helpers/stack-config.ts builds for a stack: valid for the schema and the
 * collector, secrets only through the environment, every service on the stack's own ports and CA.
 * A stand-in for the stack's endpoints is enough here; the paging test runs it against the real one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { collectorProblems } from "../../config/collector.js";
import { parseConfigText } from "../../config/load.js";
import { stackConfig, type StackEndpoints } from "../helpers/stack-config.js";

const endpoints: StackEndpoints = {
  host: "127.0.0.1",
  hostname: "mx.probe.test",
  foreignDomain: "remote.test",
  caFile: "/tmp/stack-ca.crt",
  ports: {
    smtp: 2001,
    submission: 2002,
    submissions: 2003,
    imap: 2004,
    imaps: 2005,
    pop3: 2006,
    pop3s: 2007,
    sink: 2008,
  },
  users: {
    probe1: { user: "probe1@probe.test", pass: "secret-one" },
    probe2: { user: "probe2@probe.test", pass: "secret-two" },
    alice: { user: "alice@probe.test", pass: "secret-alice" },
  },
};

const set: string[] = [];
afterEach(() => {
  for (const name of set.splice(0)) delete process.env[name];
});

/** Builds, exports the secrets, parses. */
function build(collector = true) {
  const generated = stackConfig(endpoints, {
    stateDir: "/tmp/state",
    envPrefix: "MAILSLA_STACK_CONFIG_TEST",
    ...(collector ? { collector: { listen: "127.0.0.1:2999", dataDir: "/tmp/collector" } } : {}),
  });
  for (const [name, value] of Object.entries(generated.env)) {
    process.env[name] = value;
    set.push(name);
  }
  return { generated, config: parseConfigText(generated.yaml, "stack-config test") };
}

describe("stackConfig", () => {
  it("probes each kind on the stack's ports, verified against its CA under its host name", () => {
    const { config, generated } = build();
    expect(config.services.map((s) => [s.name, s.kind, "port" in s && s.port])).toEqual([
      [generated.services.smtp, "smtp", 2001],
      [generated.services.submission, "submission", 2002],
      [generated.services.imap, "imap", 2005],
      [generated.services.pop3, "pop3", 2007],
    ]);
    for (const s of config.services) {
      if (!("tls" in s)) throw new Error(`${s.name} has no TLS settings`);
      expect(s.tls).toMatchObject({ verify: true, caFile: endpoints.caFile, servername: endpoints.hostname });
    }
    expect(config.thresholds).toMatchObject({ quorum: 2, consecutiveFailures: 2 });
    expect(config.agent).toMatchObject({ interval: 1000, timeout: 3000 });
    expect(config.vantagePoints.map((v) => v.name)).toEqual(["vp-a", "vp-b", "vp-c"]);
  });

  it("keeps passwords and tokens out of the file; the collector gets one distinct token per vantage point", () => {
    const { config, generated } = build();
    for (const value of Object.values(generated.env)) expect(generated.yaml).not.toContain(value);
    expect(config.accounts.probe1!.password.reveal()).toBe("secret-one");
    const c = config.collector!;
    expect(collectorProblems(config, c)).toEqual([]);
    const tokens = Object.values(c.agentTokens).map((t) => t.reveal());
    expect(new Set([...tokens, c.adminToken!.reveal()]).size).toBe(4);
    expect(c.url).toBe("http://127.0.0.1:2999");
  });

  it("leaves the collector out when none is asked for", () => {
    const { config, generated } = build(false);
    expect(config.collector).toBeUndefined();
    expect(Object.keys(generated.env).some((name) => name.includes("TOKEN"))).toBe(false);
  });
});
