import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfigText } from "../../config/load.js";
import { CHECK_KINDS } from "../../config/services.js";
import { countsForAvailability } from "../../config/hygiene.js";
import { DEMO_PASSWORD_ENV, demoConfigYaml, demoEnvironment } from "../../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";

let target: DemoTarget;
beforeAll(async () => {
  target = await startDemoTarget();
});
afterAll(async () => {
  delete process.env[DEMO_PASSWORD_ENV];
  await target?.stop();
});

describe("the demo configuration", () => {
  it("needs the password from the environment, never inline", () => {
    delete process.env[DEMO_PASSWORD_ENV];
    const yaml = demoConfigYaml(target);
    expect(yaml).not.toContain(target.users.probe1.pass);
    expect(() => parseConfigText(yaml)).toThrow(ConfigError);
    expect(() => parseConfigText(yaml)).toThrow(/MAILSLA_DEMO_PASSWORD is not set/);
  });

  it("validates, and checks every service kind of the target with TLS verified", () => {
    Object.assign(process.env, demoEnvironment(target));
    const c = parseConfigText(demoConfigYaml(target), "demo");
    expect(c.accounts.probe1?.password.reveal()).toBe(target.users.probe1.pass);
    // the demo has no DNS of its own: the sender-hygiene kinds are tested against Knot (test/hygiene/)
    const demoKinds = CHECK_KINDS.filter((k) => countsForAvailability(k));
    expect([...new Set(c.services.map((s) => s.kind))].sort()).toEqual([...demoKinds].sort());
    const ports = Object.fromEntries(
      c.services.map((s) => [s.kind, "port" in s ? s.port : "url" in s ? new URL(s.url).port : undefined]),
    );
    expect(ports).toEqual({
      smtp: target.ports.smtp,
      relay: target.ports.smtp,
      submission: target.ports.submission,
      imap: target.ports.imap,
      pop3: target.ports.pop3,
      webmail: String(target.ports.webmail),
    });
    for (const s of c.services) {
      if (!("tls" in s)) throw new Error(`${s.name} has no TLS settings`);
      expect(s.tls).toMatchObject({ verify: true, caFile: target.caFile });
      if (s.kind !== "webmail")
        expect(s.tls).toMatchObject({ servername: target.servername, mode: expect.any(String) });
    }
  });

  it("points relay and submission at a foreign domain, and webmail at the sign-in page and its login", () => {
    Object.assign(process.env, demoEnvironment(target));
    const c = parseConfigText(demoConfigYaml(target));
    const byKind = Object.fromEntries(c.services.map((s) => [s.kind, s]));
    const relay = byKind.relay as Extract<(typeof c.services)[number], { kind: "relay" }>;
    expect(relay.foreignRecipient.endsWith(`@${target.domain}`)).toBe(false);
    const web = byKind.webmail as Extract<(typeof c.services)[number], { kind: "webmail" }>;
    expect(web.contains).toBe("Sign in");
    expect(web.login).toMatchObject({ account: "probe1", expectStatus: [302] });
    expect(new URL(web.login!.url).pathname).toBe("/login");
  });

  it("has one vantage point 'demo', quorum 1, a short interval and timeout", () => {
    Object.assign(process.env, demoEnvironment(target));
    const c = parseConfigText(demoConfigYaml(target, { agentListen: "127.0.0.1:0" }));
    expect(c.vantagePoints.map((v) => v.name)).toEqual(["demo"]);
    expect(c.thresholds.quorum).toBe(1);
    expect(c.agent).toMatchObject({ interval: 10_000, timeout: 5_000, listen: "127.0.0.1:0" });
  });
});
