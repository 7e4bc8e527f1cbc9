/**
 * The SMTP-family checks against the real Postfix + Dovecot of the test stack: a healthy stack
 * passes, and each fault a mail operator meets (daemon down, bad certificate, AUTH not required,
 * open relay) fails with the right code at the right stage. Every case restores the stack.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../config/secret.js";
import { Service } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { ProbeResult } from "../../contract/result.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck } from "../../probes/run-check.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { waitFor, waitForExit } from "../stack/proc.js";

let stack: MailStack;
beforeAll(async () => {
  stack = await startMailStack();
});
afterAll(async () => {
  await stack?.stop();
});

const kinds = KINDS;

type Name = "mx" | "submission" | "submissions" | "relay";

/** The four SMTP-family services of the stack, verified against its CA under its real name. */
function services(): Record<Name, unknown> {
  const tls = (mode: string) => ({ mode, caFile: stack.caFile, servername: stack.hostname });
  const host = stack.host;
  const foreignRecipient = `someone@${stack.foreignDomain}`;
  const submission = { kind: "submission", host, account: "probe", foreignRecipient };
  return {
    mx: { kind: "smtp", host, port: stack.ports.smtp, tls: tls("starttls") },
    submission: { ...submission, port: stack.ports.submission, tls: tls("starttls") },
    submissions: { ...submission, port: stack.ports.submissions, tls: tls("implicit") },
    relay: {
      kind: "relay",
      host,
      port: stack.ports.smtp,
      tls: tls("starttls"),
      from: "stranger@elsewhere.test",
      foreignRecipient,
    },
  };
}

/** Runs one service's check as the agent would, and checks the result is valid and leaks no password. */
async function check(name: Name, timeoutMs = 10_000): Promise<ProbeResult> {
  const service = Service.parse({ name, ...(services()[name] as object) });
  const { user, pass } = stack.users.probe1;
  const accounts = { probe: { username: user, password: new Secret(pass) } };
  const result = await runCheck(service, timeoutMs, {
    kinds,
    clock: systemClock,
    vantage: "test",
    accounts,
    ehloName: "agent.mailsla.test",
  });
  expect(ProbeResult.parse(result)).toEqual(result);
  expect(JSON.stringify(result)).not.toContain(pass);
  return result;
}

/** The error (code, stage, responseCode) of a result that must have failed. */
function failure(r: ProbeResult): Partial<NonNullable<ProbeResult["error"]>> {
  expect(r.ok, `expected a failure, got ${JSON.stringify(r)}`).toBe(false);
  const { code, stage, responseCode } = r.error ?? {};
  return { code, stage, ...(responseCode !== undefined ? { responseCode } : {}) };
}

function expectPass(r: ProbeResult): void {
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
}

/** After every fault, the repaired stack must pass again: proves the restore, and that the fault was the cause. */
afterEach(async () => {
  for (const name of ["mx", "submission", "submissions", "relay"] as const) expectPass(await check(name));
});

describe("healthy stack", () => {
  it("passes every SMTP-family check, with the certificate's facts, and queues nothing", async () => {
    const validNotAfter = Date.parse(new X509Certificate(stack.certificates.valid.certPem).validTo);
    const mx = await check("mx");
    expectPass(mx);
    expect(mx.tls).toMatchObject({
      subject: stack.hostname,
      issuer: "mailsla test CA",
      notAfter: validNotAfter,
    });
    expect(mx.details).toMatchObject({ secure: true, banner: "mx.probe.test ESMTP Postfix" });
    expect(Object.keys(mx.phases).sort()).toEqual(["banner", "connect", "ehlo", "quit", "starttls"]);

    for (const name of ["submission", "submissions"] as const) {
      const r = await check(name);
      expectPass(r);
      expect(r.details).toMatchObject({
        authMechanism: "PLAIN",
        unauthenticatedRefusedAt: "rcpt",
        secure: true,
      });
      expect(String(r.details?.unauthenticatedReply)).toMatch(/^554 5\.7\.1 .*Access denied/);
    }

    const relay = await check("relay");
    expectPass(relay);
    expect(relay.details).toMatchObject({ refusedAt: "rcpt", secure: true });
    expect(String(relay.details?.refusal)).toContain("554 5.7.1 <someone@remote.test>: Relay access denied");
    expect(await stack.mailq()).toMatch(/Mail queue is empty/);
  });
});

describe("daemons down", () => {
  it("fails every check at connect when Postfix is stopped", async () => {
    await stack.stopPostfix();
    try {
      for (const name of ["mx", "submission", "submissions", "relay"] as const) {
        expect(failure(await check(name)), name).toEqual({ code: "connect", stage: "connect" });
      }
    } finally {
      await stack.startPostfix();
    }
  });

  it("fails submission, not the MX, when Dovecot (the SASL server) is stopped", async () => {
    expectPass(await check("submission")); // an smtpd process that has talked to Dovecot is now idle
    await stack.stopDovecot();
    try {
      // If that process serves the check, it still offers AUTH, then cannot reach Dovecot: a
      // temporary failure, not a refused login. Postfix may instead hand the connection to a new
      // process (the idle one noticed its broken auth socket and left): see below.
      const warm = failure(await check("submission"));
      expect([
        { code: "smtp-4xx", stage: "auth", responseCode: 454 },
        { code: "closed", stage: "banner" },
      ]).toContainEqual(warm);
      expectPass(await check("mx"));
      expectPass(await check("relay"));
      // A new smtpd process finds no SASL mechanism and exits at once ("fatal: no SASL
      // authentication mechanisms"): users see the connection drop before any greeting.
      await killIdleSubmissionDaemons();
      expect(failure(await check("submission"))).toEqual({ code: "closed", stage: "banner" });
    } finally {
      await stack.startDovecot();
    }
    await waitFor("submission to recover", async () => (await check("submission")).ok, {
      timeoutMs: 20_000,
      intervalMs: 500,
    });
  });
});

describe("certificates", () => {
  it.each([
    ["expired", "cert-expired"],
    ["wrong-name", "cert-hostname"],
  ] as const)("fails with the %s certificate as %s, at starttls or tls", async (kind, code) => {
    await stack.useCertificate(kind);
    try {
      expect(failure(await check("mx"))).toEqual({ code, stage: "starttls" });
      expect(failure(await check("submission"))).toEqual({ code, stage: "starttls" });
      expect(failure(await check("submissions"))).toEqual({ code, stage: "tls" });
      expect(failure(await check("relay"))).toEqual({ code, stage: "starttls" });
    } finally {
      await stack.useCertificate("valid");
    }
  });
});

describe("relaying rules", () => {
  it("fails submission with auth-not-required when it trusts the client's network instead of AUTH", async () => {
    // The submission services take their restrictions from $mua_* (master.cf -o), not from smtpd_*.
    const trustNetwork = "permit_mynetworks, permit_sasl_authenticated, reject";
    await stack.postconf({ mua_client_restrictions: trustNetwork, mua_relay_restrictions: trustNetwork });
    try {
      for (const name of ["submission", "submissions"] as const) {
        expect(failure(await check(name)), name).toEqual({ code: "auth-not-required", stage: "rcpt" });
      }
      expectPass(await check("relay"));
    } finally {
      await stack.resetPostconf();
    }
    expect(await stack.mailq()).toMatch(/Mail queue is empty/);
  });

  it("fails relay with open-relay when the MX relays for its network, and relays nothing", async () => {
    // Postfix refuses a bare "permit" (it wants a reject_unauth_destination somewhere); the classic
    // open relay is a mynetworks that contains the stranger, here the probe on 127.0.0.1.
    await stack.postconf({ smtpd_relay_restrictions: "permit_mynetworks, reject_unauth_destination" });
    try {
      expect(failure(await check("relay"))).toEqual({ code: "open-relay", stage: "rcpt" });
      expectPass(await check("mx"));
    } finally {
      await stack.resetPostconf();
    }
    expect(await stack.mailq()).toMatch(/Mail queue is empty/);
  });
});

/**
 * Ends the submission port's idle smtpd processes (children of this file's own stack), so the next
 * connection gets a fresh one. The stack has no call for this; Postfix's own reload would do it but
 * the stack's reload insists that both ports greet, which a submission port without SASL never does.
 */
async function killIdleSubmissionDaemons(): Promise<void> {
  const { postfix } = await stack.processes();
  const pattern = new RegExp(`127\\.0\\.0\\.1:${stack.ports.submission}\\b`);
  const daemons = postfix.filter((pid) => {
    try {
      return pattern.test(readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
    } catch {
      return false;
    }
  });
  expect(daemons.length).toBeGreaterThan(0);
  for (const pid of daemons) process.kill(pid, "SIGTERM");
  expect(await waitForExit(daemons, 5000)).toBe(true);
}
