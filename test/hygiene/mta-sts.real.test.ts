/**
 * MTA-STS in the dns-policy check against real servers: Knot serves `_mta-sts`, the MX and the
 * addresses; an HTTPS server the test starts serves the policy with a certificate of its own test CA;
 * the stack's Postfix is the MX, with STARTTLS and the stack's certificates. A published, enforced
 * policy covering the MX with a valid certificate passes; each fault fails with its own code: no
 * `_mta-sts` record, the policy not served (404), a `testing` policy when `enforce` is required, an MX
 * the policy's patterns miss, and an MX presenting a certificate for another name.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Service, type ServiceOf } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { mxMatches, parseMtaStsPolicy } from "../../probes/hygiene/mta-sts.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck, type RunDeps } from "../../probes/run-check.js";
import { startDnsServer, type DnsServer } from "../stack/dns.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { createTestCa } from "../stack/tls-ca.js";

let dns: DnsServer;
let stack: MailStack;
let https: Server;
let httpsPort = 0;
let dir: string;
let caBundle: string;
/** What the HTTPS server answers at /.well-known/mta-sts.txt: status and body. */
let served = { status: 200, body: "" };
let requests: { host: string | undefined; path: string | undefined }[] = [];

const deps: RunDeps = {
  kinds: KINDS,
  clock: systemClock,
  vantage: "test",
  accounts: {},
  ehloName: "agent.test",
};
const policy = (mode: string, mx = "mx.probe.test") =>
  `version: STSv1\r\nmode: ${mode}\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "mailsla-mta-sts-"));
  const ca = await createTestCa(dir, { hostname: "mta-sts.probe.test", wrongName: "other.test" });
  stack = await startMailStack();
  caBundle = path.join(dir, "bundle.pem");
  await writeFile(caBundle, `${ca.caPem}\n${stack.caPem}`);
  const key = await readFile(ca.certs.valid.keyFile, "utf8");
  https = createServer({ cert: ca.certs.valid.certPem, key }, (req, res) => {
    requests.push({ host: req.headers.host, path: req.url });
    if (req.url !== "/.well-known/mta-sts.txt") res.writeHead(404).end();
    else res.writeHead(served.status, { "content-type": "text/plain" }).end(served.body);
  });
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  httpsPort = (https.address() as { port: number }).port;
  dns = await startDnsServer({
    "probe.test": [
      { name: "probe.test", type: "TXT", value: "v=spf1 ip4:127.0.0.1 -all" },
      { name: "probe.test", type: "MX", value: "10 mx.probe.test." },
      { name: "mx.probe.test", type: "A", value: "127.0.0.1" },
      { name: "_dmarc.probe.test", type: "TXT", value: "v=DMARC1; p=reject" },
      { name: "_mta-sts.probe.test", type: "TXT", value: "v=STSv1; id=20261202T0900" },
      { name: "mta-sts.probe.test", type: "A", value: "127.0.0.1" },
      { name: "_smtp._tls.probe.test", type: "TXT", value: "v=TLSRPTv1; rua=mailto:tls@probe.test" },
    ],
  });
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => (https ? https.close(resolve) : resolve(undefined)));
  await dns?.stop();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function service(mtaSts: Record<string, unknown> = {}): ServiceOf<"dns-policy"> {
  return Service.parse({
    name: "policy",
    kind: "dns-policy",
    domains: ["probe.test"],
    dmarcPolicy: "reject",
    tlsRpt: true,
    mtaSts: { caFile: caBundle, httpsPort, smtpPort: stack.ports.smtp, ...mtaSts },
    dns: { servers: [dns.server], timeout: "2s" },
  }) as ServiceOf<"dns-policy">;
}

/** Runs `run` with the TXT/MX records of `name` replaced, restoring them afterwards. */
async function withRecords(
  name: string,
  type: "TXT" | "MX",
  values: string[],
  run: () => Promise<void>,
): Promise<void> {
  const before = dns.get(name, type);
  await dns.set(name, type, values);
  try {
    await run();
  } finally {
    await dns.set(name, type, before);
  }
}

describe("MTA-STS policy and MX certificates (Knot, HTTPS, Postfix)", () => {
  it("parses policies and matches mx patterns as RFC 8461 says", () => {
    expect(parseMtaStsPolicy(policy("enforce", "*.probe.test"))).toEqual({
      mode: "enforce",
      mx: ["*.probe.test"],
      maxAge: 86400,
    });
    expect(parseMtaStsPolicy("version: STSv1\nmode: enforce\nmax_age: 1\n")).toEqual({
      problem: "policy lists no mx pattern",
    });
    expect(parseMtaStsPolicy("version: STSv2\n")).toMatchObject({
      problem: expect.stringContaining("STSv1"),
    });
    expect(mxMatches("mx.probe.test", "*.probe.test")).toBe(true);
    expect(mxMatches("a.mx.probe.test", "*.probe.test")).toBe(false);
    expect(mxMatches("probe.test", "*.probe.test")).toBe(false);
    expect(mxMatches("MX.probe.test.", "mx.probe.test")).toBe(true);
  });

  it("passes with an enforced policy covering the MX, which presents a valid certificate", async () => {
    served = { status: 200, body: policy("enforce") };
    requests = [];
    const r = await runCheck(service(), 15_000, deps);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ ok: true, details: { mtaSts: "enforce" } });
    expect(requests).toEqual([{ host: "mta-sts.probe.test", path: "/.well-known/mta-sts.txt" }]);
  });

  it("no _mta-sts record, or no policy served, is mta-sts-policy", async () => {
    served = { status: 200, body: policy("enforce") };
    await withRecords("_mta-sts.probe.test", "TXT", [], async () => {
      const r = await runCheck(service(), 15_000, deps);
      expect(r.error).toMatchObject({ code: "mta-sts-policy", stage: "policy" });
      expect(r.error?.message).toContain("_mta-sts.probe.test has no MTA-STS record");
    });
    served = { status: 404, body: "" };
    const r = await runCheck(service(), 15_000, deps);
    expect(r.error).toMatchObject({ code: "mta-sts-policy" });
    expect(r.error?.message).toContain("https://mta-sts.probe.test/.well-known/mta-sts.txt answered 404");
  });

  it("a testing policy where enforce is required is mta-sts-policy; testing accepts it", async () => {
    served = { status: 200, body: policy("testing") };
    const r = await runCheck(service(), 15_000, deps);
    expect(r.error?.message).toContain("MTA-STS mode is testing, weaker than enforce");
    expect((await runCheck(service({ mode: "testing" }), 15_000, deps)).ok).toBe(true);
  });

  it("a policy certificate the agent does not trust is mta-sts-policy", async () => {
    served = { status: 200, body: policy("enforce") };
    const r = await runCheck(service({ caFile: stack.caFile }), 15_000, deps);
    expect(r.error).toMatchObject({ code: "mta-sts-policy" });
    expect(r.error?.message).toMatch(/mta-sts\.txt: .*(self.signed|issuer|verify)/i);
  });

  it("an MX the policy does not cover is mta-sts-mx", async () => {
    served = { status: 200, body: policy("enforce", "mx2.probe.test") };
    const r = await runCheck(service(), 15_000, deps);
    expect(r.error).toMatchObject({ code: "mta-sts-mx", stage: "policy" });
    expect(r.error?.message).toContain("MX mx.probe.test matches none of probe.test's MTA-STS mx patterns");
  });

  it("an MX presenting a certificate for another name is mta-sts-mx", async () => {
    served = { status: 200, body: policy("enforce", "*.probe.test") };
    await stack.useCertificate("wrong-name");
    try {
      const r = await runCheck(service(), 15_000, deps);
      expect(r.error).toMatchObject({ code: "mta-sts-mx" });
      expect(r.error?.message).toMatch(/^1 problem\(s\): MX mx\.probe\.test \(127\.0\.0\.1\): /);
      expect((await runCheck(service({ checkMx: false }), 15_000, deps)).ok).toBe(true);
    } finally {
      await stack.useCertificate("valid");
    }
    expect((await runCheck(service(), 15_000, deps)).ok).toBe(true);
  });
});
