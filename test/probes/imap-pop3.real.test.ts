/**
 * IMAP and POP3 checks against the real Dovecot of the test stack: both ports of each protocol with
 * the stack's CA, then every failure the stack can inject (daemon down, wrong password, expired or
 * wrong-name certificate, missing or unreadable mailbox), each asserted by error code and stage.
 */
import { chmod, stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../config/secret.js";
import { Service } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { ProbeResult } from "../../contract/result.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck } from "../../probes/run-check.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";

const kinds = KINDS;

let stack: MailStack;

beforeAll(async () => {
  stack = await startMailStack();
});

afterAll(async () => {
  await stack?.stop();
});

type Endpoint = { kind: "imap" | "pop3"; port: () => number; mode: "implicit" | "starttls" };

/** The four endpoints every scenario runs against; ports are read lazily, once the stack is up. */
const ENDPOINTS: [string, Endpoint][] = [
  ["imap 993-style implicit TLS", { kind: "imap", port: () => stack.ports.imaps, mode: "implicit" }],
  ["imap 143-style STARTTLS", { kind: "imap", port: () => stack.ports.imap, mode: "starttls" }],
  ["pop3 995-style implicit TLS", { kind: "pop3", port: () => stack.ports.pop3s, mode: "implicit" }],
  ["pop3 110-style STLS", { kind: "pop3", port: () => stack.ports.pop3, mode: "starttls" }],
];

/** Checks one endpoint as probe1, verifying against the stack's CA under its host name. */
async function check(e: Endpoint, o: { password?: string; mailbox?: string } = {}): Promise<ProbeResult> {
  const service = Service.parse({
    name: `${e.kind}-${e.mode}`,
    kind: e.kind,
    host: stack.host,
    port: e.port(),
    tls: { mode: e.mode, verify: true, caFile: stack.caFile, servername: stack.hostname },
    account: "probe1",
    ...(o.mailbox ? { mailbox: o.mailbox } : {}),
  });
  const password = o.password ?? stack.users.probe1.pass;
  const accounts = { probe1: { username: stack.users.probe1.user, password: new Secret(password) } };
  const deps = { kinds, clock: systemClock, vantage: "test", accounts, ehloName: "probe.test" };
  const result = await runCheck(service, 15_000, deps);
  expect(ProbeResult.parse(result)).toEqual(result);
  expect(JSON.stringify(result)).not.toContain(password);
  return result;
}

const failure = (r: ProbeResult) => r.error && { code: r.error.code, stage: r.error.stage };

// Per endpoint, a good login, then a wrong password. Dovecot delays logins from an address after a
// failed one (auth penalty, reset by a success); interleaving keeps each check well inside its timeout.
describe.each(ENDPOINTS)("%s against Dovecot", (_name, endpoint) => {
  it("passes on a healthy stack, with the certificate's facts", async () => {
    const r = await check(endpoint);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.tls?.subject).toBe(stack.hostname);
    expect(r.tls?.notAfter).toBeGreaterThan(Date.now());
    const count = endpoint.kind === "imap" ? r.details?.exists : r.details?.messages;
    expect(count).toBeTypeOf("number");
    expect(r.phases).toHaveProperty(endpoint.mode === "implicit" ? "tls" : "starttls");
  });

  it("fails with auth at login on a wrong password", async () => {
    const r = await check(endpoint, { password: "not-the-password" });
    expect(failure(r)).toEqual({ code: "auth", stage: "login" });
  });
});

describe("mailbox", () => {
  it("fails with mailbox at select when the IMAP mailbox does not exist", async () => {
    const r = await check(ENDPOINTS[0]![1], { mailbox: "Does-Not-Exist" });
    expect(failure(r)).toEqual({ code: "mailbox", stage: "select" });
    expect(r.error?.message).toContain("Does-Not-Exist");
  });

  it("fails when Dovecot cannot read the mail store: IMAP [SERVERBUG] at select, POP3 [SYS/TEMP] at stat", async () => {
    const maildir = stack.maildir("probe1");
    const { mode } = await stat(maildir);
    await chmod(maildir, 0o000);
    try {
      const imap = await check(ENDPOINTS[0]![1]);
      const pop3 = await check(ENDPOINTS[2]![1]);
      expect([failure(imap), failure(pop3)]).toEqual([
        { code: "server-permanent", stage: "select" },
        { code: "server-temporary", stage: "stat" },
      ]);
      expect(imap.error?.message).toMatch(/SERVERBUG|Internal error/);
      expect(pop3.error?.message).toMatch(/\[SYS\/TEMP\]/);
    } finally {
      await chmod(maildir, mode);
    }
  });
});

describe("certificate failures", () => {
  afterAll(async () => {
    await stack.useCertificate("valid");
  });

  it.each([
    ["expired", "cert-expired"],
    ["wrong-name", "cert-hostname"],
  ] as const)("a %s certificate fails every endpoint with %s", async (cert, code) => {
    await stack.useCertificate(cert);
    for (const [, endpoint] of ENDPOINTS) {
      const stage = endpoint.mode === "implicit" ? "tls" : "starttls";
      expect({ endpoint: endpoint.port(), ...failure(await check(endpoint)) }).toEqual({
        endpoint: endpoint.port(),
        code,
        stage,
      });
    }
  });
});

describe("Dovecot stopped", () => {
  afterAll(async () => {
    await stack.startDovecot();
  });

  it("fails every endpoint with connect at connect", async () => {
    await stack.stopDovecot();
    for (const [, endpoint] of ENDPOINTS) {
      expect(failure(await check(endpoint))).toEqual({ code: "connect", stage: "connect" });
    }
  });
});
