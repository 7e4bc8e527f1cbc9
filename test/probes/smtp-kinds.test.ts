import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../config/secret.js";
import { Service } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { ProbeResult } from "../../contract/result.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck, type RunDeps } from "../../probes/run-check.js";
import { rawPeer } from "../helpers/raw-peer.js";

const deps: RunDeps = {
  kinds: KINDS,
  clock: systemClock,
  vantage: "test",
  accounts: { probe: { username: "probe1@probe.test", password: new Secret("probe-pw") } },
  ehloName: "agent.mailsla.test",
};
const NO_VERIFY = { mode: "starttls", verify: false } as const;

/**
 * A fresh self-signed certificate for localhost: smtp-server's built-in one has expired, and a
 * certificate we hold lets the tests verify for real (caFile) and see untrusted/wrong-name fail.
 */
const cert = { dir: "", certFile: "", key: "", cert: "" };
beforeAll(() => {
  cert.dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-smtp-kinds-"));
  cert.certFile = path.join(cert.dir, "cert.pem");
  const keyFile = path.join(cert.dir, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30"],
      ...["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ...["-keyout", keyFile, "-out", cert.certFile],
    ],
    { stdio: "pipe" },
  );
  cert.key = readFileSync(keyFile, "utf8");
  cert.cert = readFileSync(cert.certFile, "utf8");
});
afterAll(() => rmSync(cert.dir, { recursive: true, force: true }));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** What the scripted server saw, so tests can prove that nothing was ever sent. */
interface Seen {
  data: number;
  rcpt: string[];
}

/** An in-process smtp-server that knows the probe account and counts RCPTs and DATA. */
async function smtpPeer(options: SMTPServerOptions = {}): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = { data: 0, rcpt: [] };
  const server = new SMTPServer({
    logger: false,
    key: cert.key,
    cert: cert.cert,
    onAuth(auth, _session, cb) {
      if (auth.username === "probe1@probe.test" && auth.password === "probe-pw") cb(null, { user: "probe1" });
      else cb(Object.assign(new Error("5.7.8 Authentication failed"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      seen.rcpt.push(address.address);
      cb();
    },
    onData(stream, _session, cb) {
      seen.data++;
      stream.resume().on("end", () => cb());
    },
    ...options,
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as net.AddressInfo).port, seen };
}

async function check(
  kind: "smtp" | "submission" | "relay",
  port: number,
  extra: object = {},
  timeoutMs = 5000,
) {
  const byKind = {
    smtp: {},
    submission: { account: "probe", foreignRecipient: "someone@remote.test" },
    relay: { from: "stranger@elsewhere.test", foreignRecipient: "someone@remote.test" },
  };
  const service = Service.parse({ name: kind, kind, host: "127.0.0.1", port, ...byKind[kind], ...extra });
  const result = await runCheck(service, timeoutMs, deps);
  expect(ProbeResult.parse(result)).toEqual(result);
  expect(JSON.stringify(result)).not.toContain("probe-pw");
  return result;
}

function failure(r: Awaited<ReturnType<typeof runCheck>>) {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  return r.error;
}

describe("smtp check (MX)", () => {
  it("passes with STARTTLS and reports the certificate, the banner and each phase", async () => {
    const { port } = await smtpPeer({ banner: "mx.probe.test ESMTP ready", authOptional: true });
    const r = await check("smtp", port, { tls: NO_VERIFY });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.tls?.notAfter).toBeGreaterThan(0);
    expect(r.details).toMatchObject({ secure: true });
    expect(String(r.details?.banner)).toContain("mx.probe.test ESMTP ready");
    expect(Object.keys(r.phases).sort()).toEqual(["banner", "connect", "ehlo", "quit", "starttls"]);
  });

  it("passes without TLS when the service says so", async () => {
    const { port } = await smtpPeer({ hideSTARTTLS: true, authOptional: true });
    const r = await check("smtp", port, { tls: { mode: "none" } });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.tls).toBeUndefined();
    expect(r.details).toMatchObject({ secure: false });
  });

  it("fails with tls-unavailable when STARTTLS is not offered", async () => {
    const { port } = await smtpPeer({ hideSTARTTLS: true, authOptional: true });
    expect(failure(await check("smtp", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "tls-unavailable",
      stage: "starttls",
    });
  });

  it("verifies the certificate against the service's CA file and name", async () => {
    const { port } = await smtpPeer({ authOptional: true });
    const trusted = await check("smtp", port, { tls: { mode: "starttls", caFile: cert.certFile } });
    expect(trusted.ok, JSON.stringify(trusted.error)).toBe(true);
    const untrusted = await check("smtp", port, { tls: { mode: "starttls", servername: "localhost" } });
    expect(failure(untrusted)).toMatchObject({ code: "cert-untrusted", stage: "starttls" });
    const wrongName = { mode: "starttls", caFile: cert.certFile, servername: "mx.other.test" };
    expect(failure(await check("smtp", port, { tls: wrongName }))).toMatchObject({
      code: "cert-hostname",
      stage: "starttls",
    });
  });

  it("speaks implicit TLS, and fails at stage tls when the certificate is not trusted", async () => {
    const { port } = await smtpPeer({ secure: true, authOptional: true });
    const ok = await check("smtp", port, { tls: { mode: "implicit", caFile: cert.certFile } });
    expect(ok.ok, JSON.stringify(ok.error)).toBe(true);
    expect(ok.tls?.subject).toBe("localhost");
    expect(Object.keys(ok.phases).sort()).toEqual(["banner", "connect", "ehlo", "quit", "tls"]);
    const bad = await check("smtp", port, { tls: { mode: "implicit", servername: "localhost" } });
    expect(failure(bad)).toMatchObject({ code: "cert-untrusted", stage: "tls" });
  });

  it("fails with connect when nothing listens", async () => {
    const port = await rawPeer(closers, () => undefined);
    await closers.pop()?.();
    expect(failure(await check("smtp", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "connect",
      stage: "connect",
    });
  });

  it("fails with protocol when the peer answers garbage", async () => {
    const port = await rawPeer(closers, (s) => s.write("HTTP/1.1 400 Bad Request\r\n\r\n"));
    expect(failure(await check("smtp", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "protocol",
      stage: "banner",
    });
  });

  it("fails with smtp-5xx and the server's code when the banner refuses service", async () => {
    const port = await rawPeer(closers, (s) => s.end("554 5.7.1 no SMTP service here\r\n"));
    expect(failure(await check("smtp", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "smtp-5xx",
      stage: "banner",
      responseCode: 554,
    });
  });

  it("times out at the stage where the peer fell silent", async () => {
    const silent = await rawPeer(closers, () => undefined);
    const t0 = Date.now();
    const r = await check("smtp", silent, { tls: NO_VERIFY }, 300);
    expect(failure(r)).toMatchObject({ code: "timeout", stage: "banner" });
    expect(Date.now() - t0).toBeLessThan(2000);
    const mute = await rawPeer(closers, (s) => s.write("220 hello\r\n"));
    expect(failure(await check("smtp", mute, { tls: NO_VERIFY }, 300))).toMatchObject({
      code: "timeout",
      stage: "ehlo",
    });
  });

  it("fails with closed when the peer hangs up mid-dialogue", async () => {
    const port = await rawPeer(closers, (s) => {
      s.write("220 hello\r\n");
      s.once("data", () => s.end());
    });
    expect(failure(await check("smtp", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "closed",
      stage: "ehlo",
    });
  });
});

describe("submission check", () => {
  it("passes when the account can submit and strangers are refused, sending nothing", async () => {
    const { port, seen } = await smtpPeer();
    const r = await check("submission", port, { tls: NO_VERIFY });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.details).toMatchObject({ authMechanism: "PLAIN", unauthenticatedRefusedAt: "mail" });
    expect(String(r.details?.unauthenticatedReply)).toMatch(/^530 /);
    expect(seen).toEqual({ data: 0, rcpt: ["someone@remote.test"] });
    expect(r.phases.auth).toBeGreaterThan(0);
  });

  it("fails with auth when the login is refused", async () => {
    const { port } = await smtpPeer({
      onAuth: (_a, _s, cb) => cb(Object.assign(new Error("no"), { responseCode: 535 })),
    });
    expect(failure(await check("submission", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "auth",
      stage: "auth",
      responseCode: 535,
    });
  });

  it("fails with auth-unavailable when AUTH is not offered", async () => {
    const { port } = await smtpPeer({ disabledCommands: ["AUTH"] });
    expect(failure(await check("submission", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "auth-unavailable",
      stage: "auth",
    });
  });

  it("fails with the server's refusal when the account may not send to a foreign domain", async () => {
    const { port } = await smtpPeer({
      onRcptTo: (_a, _s, cb) =>
        cb(Object.assign(new Error("5.7.1 Relay access denied"), { responseCode: 554 })),
    });
    expect(failure(await check("submission", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "smtp-5xx",
      stage: "rcpt",
      responseCode: 554,
    });
  });

  it("fails with auth-not-required when a stranger may submit (7.1.13)", async () => {
    const { port, seen } = await smtpPeer({ authOptional: true });
    expect(failure(await check("submission", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "auth-not-required",
      stage: "rcpt",
    });
    expect(seen).toEqual({ data: 0, rcpt: ["someone@remote.test", "someone@remote.test"] });
  });

  it("counts a refusal at RCPT, temporary or permanent, as the pass", async () => {
    for (const responseCode of [454, 554]) {
      const { port } = await smtpPeer({
        authOptional: true,
        onRcptTo: (_a, session, cb) =>
          cb(session.user ? null : Object.assign(new Error("Relay access denied"), { responseCode })),
      });
      const r = await check("submission", port, { tls: NO_VERIFY });
      expect(r.ok, JSON.stringify(r.error)).toBe(true);
      expect(r.details).toMatchObject({ unauthenticatedRefusedAt: "rcpt" });
      expect(String(r.details?.unauthenticatedReply)).toMatch(new RegExp(`^${responseCode} `));
    }
  });
});

describe("relay check", () => {
  const refuseRelay: SMTPServerOptions["onRcptTo"] = (_a, _s, cb) =>
    cb(Object.assign(new Error("5.7.1 Relay access denied"), { responseCode: 554 }));

  it("passes when the MX refuses to relay, after STARTTLS", async () => {
    const { port, seen } = await smtpPeer({ authOptional: true, onRcptTo: refuseRelay });
    const r = await check("relay", port, { tls: NO_VERIFY });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.details).toMatchObject({ refusedAt: "rcpt", secure: true });
    expect(String(r.details?.refusal)).toContain("554 5.7.1 Relay access denied");
    expect(seen.data).toBe(0);
  });

  it("goes on in plain text when STARTTLS is not offered", async () => {
    const { port } = await smtpPeer({ authOptional: true, hideSTARTTLS: true, onRcptTo: refuseRelay });
    const r = await check("relay", port, { tls: NO_VERIFY });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.details).toMatchObject({ refusedAt: "rcpt", secure: false });
  });

  it("fails with open-relay when the MX accepts a foreign recipient, and never sends DATA", async () => {
    const { port, seen } = await smtpPeer({ authOptional: true });
    expect(failure(await check("relay", port, { tls: NO_VERIFY }))).toMatchObject({
      code: "open-relay",
      stage: "rcpt",
    });
    expect(seen).toEqual({ data: 0, rcpt: ["someone@remote.test"] });
  });
});
