/**
 * `mailsla check --delivery NAME` of a send delivery judges the arrived message as the agent does at
 * its sink, once per `sender-auth` service (what `mailsla check --service` of such a service points
 * at): run as an operator runs it (the compiled command, a configuration file) against the test
 * stack's Postfix, with Knot as the configured resolver. SPF allowing the sending IP passes and
 * prints every aspect; SPF excluding it prints spf-fail and exits 1 though the message arrived.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../cli/process.js";
import { exportPasswords, stackConfig, type RawConfig } from "../delivery/harness.js";
import { startDnsServer, type DnsServer } from "../stack/dns.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";

const run = promisify(execFile);
let stack: MailStack;
let dns: DnsServer;
let dir: string;
let configFile: string;

beforeAll(async () => {
  [stack, dns] = await Promise.all([
    startMailStack(),
    startDnsServer({
      "probe.test": [
        { name: "probe.test", type: "TXT", value: "v=spf1 ip4:127.0.0.1 -all" },
        { name: "mx.probe.test", type: "A", value: "127.0.0.1" },
      ],
      "127.in-addr.arpa": [{ name: "1.0.0.127.in-addr.arpa", type: "PTR", value: "mx.probe.test." }],
    }),
  ]);
  dir = mkdtempSync(path.join(tmpdir(), "mailsla-check-delivery-auth-"));
  configFile = path.join(dir, "mailsla.json.yaml");
  exportPasswords(stack);
  let raw: RawConfig | undefined;
  stackConfig(stack, (r) => {
    // no DKIM signer in this stack: DKIM and DMARC are reported, not required
    r.services.push({
      name: "outbound-auth",
      kind: "sender-auth",
      require: ["spf", "ptr", "helo"],
      dns: { servers: [dns.server], timeout: "2s" },
    });
    raw = r;
  });
  writeFileSync(configFile, JSON.stringify(raw, null, 2)); // JSON is YAML
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([stack?.stop(), dns?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `mailsla check --config FILE --vantage a --delivery out`: exit code and output. */
async function checkOut(): Promise<{ code: number; out: string }> {
  const args = ["dist/cli/main.js", "check", "--config", configFile, "--vantage", "a", "--delivery", "out"];
  try {
    const r = await run(process.execPath, [...args, "--timeout", "20s"], { cwd: REPO, env: process.env });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

describe("mailsla check --delivery judges sender authentication", () => {
  it("prints every aspect of the arrived message and passes when the required ones pass", async () => {
    const { code, out } = await checkOut();
    expect(out).toMatch(/PASS arrived/);
    expect(out).toMatch(
      /^ +\+\d+\.\d{3}s {2}PASS sender-auth outbound-auth: spf=pass dkim=none dmarc=none arc=none ptr=pass helo=pass \(from 127\.0\.0\.1, HELO mx\.probe\.test\)$/m,
    );
    expect(code, out).toBe(0);
  });

  it("fails, exit 1, when SPF excludes the sending IP, though the message arrived", async () => {
    await dns.set("probe.test", "TXT", ["v=spf1 -all"]);
    try {
      const { code, out } = await checkOut();
      expect(out).toMatch(/PASS arrived/);
      expect(out).toMatch(
        /FAIL sender-auth outbound-auth: spf-fail at spf: .*\(spf=fail .*from 127\.0\.0\.1/,
      );
      expect(code).toBe(1);
    } finally {
      await dns.set("probe.test", "TXT", ["v=spf1 ip4:127.0.0.1 -all"]);
    }
  });
});
