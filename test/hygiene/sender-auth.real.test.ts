/**
 * Sender authentication of the operator's real outbound mail, against the real test stack: Postfix
 * signs with OpenDKIM (a milter) and relays to the agent's sink, whose messages are judged through
 * a real name server (Knot) holding SPF, DKIM, DMARC and PTR records. Healthy, each aspect passes;
 * each injected fault fails the check with its own code.
 */
import { generateKeyPairSync } from "node:crypto";
import { sealMessage } from "mailauth";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SenderAuthService } from "../../config/hygiene.js";
import { systemClock } from "../../contract/clock.js";
import type { ProbeResult } from "../../contract/result.js";
import { newToken } from "../../probes/delivery/message.js";
import { startSink, type RunningSink } from "../../probes/delivery/sink.js";
import { senderAuthAtSink } from "../../probes/hygiene/at-sink.js";
import { startDnsServer, type DnsServer } from "../stack/dns.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { startDkimSigner, type DkimSigner } from "../stack/opendkim.js";
import { waitFor } from "../stack/proc.js";

const SPF = "v=spf1 ip4:127.0.0.1 -all";

/** The key of the ARC sets the tests seal (as a forwarder before the operator would). */
const ARC_KEY = (() => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    record: `v=DKIM1; k=rsa; p=${der.toString("base64")}`,
  };
})();

/** A message from probe1 with an ARC set (i=1, cv=none) sealed by probe.test. */
async function arcSealed(to: string): Promise<Buffer> {
  const message = Buffer.from(
    [
      `From: ${stack.users.probe1.user}`,
      `To: ${to}`,
      "Subject: sealed",
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${Date.now()}.arc@probe.test>`,
      "",
      "forwarded with an ARC set",
      "",
    ].join("\r\n"),
  );
  const seal = await sealMessage(message, {
    signingDomain: "probe.test",
    selector: "arc",
    privateKey: ARC_KEY.pem,
    authResults: "mx.forwarder.test; spf=pass smtp.mailfrom=probe.test",
    cv: "none",
  });
  return Buffer.concat([seal, message]);
}
const PTR_NAME = "1.0.0.127.in-addr.arpa";
let stack: MailStack;
let dns: DnsServer;
let signer: DkimSigner;
let sink: RunningSink;
/** The sink's judgements in order; the tests send one message at a time. */
const results: ProbeResult[] = [];
const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

beforeAll(async () => {
  [stack, signer] = await Promise.all([startMailStack(), startDkimSigner("probe.test", "mailsla")]);
  dns = await startDnsServer({
    "probe.test": [
      { name: "probe.test", type: "TXT", value: SPF },
      { name: "mailsla._domainkey.probe.test", type: "TXT", value: signer.dnsRecord },
      { name: "_dmarc.probe.test", type: "TXT", value: "v=DMARC1; p=reject" },
      { name: "arc._domainkey.probe.test", type: "TXT", value: ARC_KEY.record },
      { name: "mx.probe.test", type: "A", value: "127.0.0.1" },
      { name: "elsewhere.probe.test", type: "A", value: "127.0.0.9" },
    ],
    "other.test": [{ name: "_dmarc.other.test", type: "TXT", value: "v=DMARC1; p=reject" }],
    "127.in-addr.arpa": [{ name: PTR_NAME, type: "PTR", value: "mx.probe.test." }],
  });
  await stack.postconf({ smtpd_milters: signer.milter, milter_default_action: "accept" });
  const service = SenderAuthService.parse({
    name: "outbound-auth",
    kind: "sender-auth",
    dns: { servers: [dns.server], timeout: "2s" },
  });
  const onMessage = senderAuthAtSink({
    services: [service],
    deps: { kinds: new Map(), clock: systemClock, vantage: "test", accounts: {}, ehloName: "agent.test" },
    timeoutMs: 10_000,
    record: (r) => results.push(r),
    log: silent,
  })!;
  sink = await startSink({
    listen: `127.0.0.1:${stack.ports.sink}`,
    domain: stack.foreignDomain,
    clock: systemClock,
    onArrival: () => undefined,
    onMessage,
  });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([sink?.close(), stack?.stop(), dns?.stop(), signer?.stop()]);
});

/**
 * Submits one message as probe1 to a new sink token and resolves with the sink's judgement; `raw`
 * builds the message itself (for one carrying an ARC set sealed beforehand).
 */
async function judged(
  opts: { from?: string; raw?: (to: string) => Promise<Buffer> } = {},
): Promise<ProbeResult> {
  const token = newToken();
  const before = results.length;
  const transport = nodemailer.createTransport({
    host: stack.host,
    port: stack.ports.submission,
    requireTLS: true,
    auth: { user: stack.users.probe1.user, pass: stack.users.probe1.pass },
    tls: { ca: [stack.caPem], servername: stack.hostname },
  });
  try {
    const to = `${token}@${stack.foreignDomain}`;
    await transport.sendMail({
      ...(opts.raw ? { raw: await opts.raw(to) } : {}),
      envelope: { from: stack.users.probe1.user, to },
      from: opts.from ?? stack.users.probe1.user,
      to: `${token}@${stack.foreignDomain}`,
      subject: `sender-auth ${token}`,
      text: "probe\r\n",
    });
  } finally {
    transport.close();
  }
  return waitFor(`the sink's judgement of ${token}`, () => results[before], { timeoutMs: 15_000 });
}

describe("sender authentication at the sink (Postfix + OpenDKIM + Knot)", () => {
  it("passes every aspect on the healthy stack", async () => {
    const r = await judged();
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r).toMatchObject({ ok: true, kind: "sender-auth", check: "outbound-auth" });
    expect(r.details).toMatchObject({
      spf: "pass",
      dkim: "pass",
      dmarc: "pass",
      ptr: "pass",
      helo: "pass",
      ip: "127.0.0.1",
    });
  });

  it("fails with spf-fail when SPF excludes the sending IP", async () => {
    await dns.set("probe.test", "TXT", ["v=spf1 ip4:192.0.2.1 -all"]);
    try {
      const r = await judged();
      expect(r.error).toMatchObject({ code: "spf-fail", stage: "spf" });
    } finally {
      await dns.set("probe.test", "TXT", [SPF]);
    }
  });

  it("fails with dkim-fail when the published key is not the signer's", async () => {
    await dns.set("mailsla._domainkey.probe.test", "TXT", [signer.wrongDnsRecord]);
    try {
      const r = await judged();
      expect(r.error).toMatchObject({ code: "dkim-fail", stage: "dkim" });
      expect(r.error?.message).toMatch(/spf=pass/);
    } finally {
      await dns.set("mailsla._domainkey.probe.test", "TXT", [signer.dnsRecord]);
    }
  });

  it("fails with dmarc-fail when the From domain (p=reject) aligns with neither SPF nor DKIM", async () => {
    const r = await judged({ from: "boss@other.test" });
    expect(r.error).toMatchObject({ code: "dmarc-fail", stage: "dmarc" });
    expect(r.error?.message).toMatch(/spf=pass dkim=pass dmarc=fail/);
  });

  it("fails with ptr-missing without a PTR, ptr-mismatch when the PTR name points elsewhere", async () => {
    await dns.set(PTR_NAME, "PTR", []);
    try {
      expect((await judged()).error).toMatchObject({ code: "ptr-missing", stage: "ptr" });
      await dns.set(PTR_NAME, "PTR", ["elsewhere.probe.test."]);
      expect((await judged()).error).toMatchObject({ code: "ptr-mismatch", stage: "ptr" });
    } finally {
      await dns.set(PTR_NAME, "PTR", ["mx.probe.test."]);
    }
  });

  it("verifies an ARC set when the message carries one: arc-fail when its key does not verify", async () => {
    const ok = await judged({ raw: arcSealed });
    expect(ok.error, JSON.stringify(ok.error)).toBeUndefined();
    expect(ok.details).toMatchObject({ arc: "pass", dkim: "pass" });
    await dns.set("arc._domainkey.probe.test", "TXT", [signer.wrongDnsRecord]);
    try {
      const r = await judged({ raw: arcSealed });
      expect(r.error).toMatchObject({ code: "arc-fail", stage: "arc" });
      expect(r.error?.message).toMatch(/spf=pass dkim=pass dmarc=pass arc=fail/);
    } finally {
      await dns.set("arc._domainkey.probe.test", "TXT", [ARC_KEY.record]);
    }
  });

  it("fails with helo-mismatch when the HELO name does not resolve to the IP", async () => {
    await stack.postconf({ smtp_helo_name: "elsewhere.probe.test" });
    try {
      expect((await judged()).error).toMatchObject({ code: "helo-mismatch", stage: "helo" });
    } finally {
      await stack.postconf({ smtp_helo_name: "$myhostname" });
    }
  });
});
