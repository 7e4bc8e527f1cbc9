/**
 * `mailsla check --delivery NAME` against the real Postfix + Dovecot of the test stack, run as an
 * operator runs it (the compiled command, a configuration file): one probe message per delivery
 * kind, each phase printed with its time, PASS and exit 0 when it arrived; a delivery that cannot
 * arrive (the queue held) ends with FAIL at the timeout and exit 1; a sink address already taken
 * (the agent running) and an unknown delivery are refused with exit 2.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../cli/process.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { exportPasswords, holdQueue, stackConfig, type RawConfig } from "./harness.js";

const run = promisify(execFile);
let stack: MailStack;
let dir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startMailStack();
  dir = mkdtempSync(path.join(tmpdir(), "mailsla-check-delivery-"));
  configFile = path.join(dir, "mailsla.json.yaml");
  exportPasswords(stack); // the configuration reads them from the environment
  let raw: RawConfig | undefined;
  stackConfig(stack, (r) => void (raw = r)); // the raw configuration, before validation
  writeFileSync(configFile, JSON.stringify(raw, null, 2)); // JSON is YAML
  env = { ...process.env };
});

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `mailsla check --config FILE --vantage a --delivery NAME ...`: exit code and standard output. */
async function check(name: string, ...more: string[]): Promise<{ code: number; out: string }> {
  const args = ["dist/cli/main.js", "check", "--config", configFile, "--vantage", "a", "--delivery", name];
  try {
    const r = await run(process.execPath, [...args, ...more], { cwd: REPO, env });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

describe("mailsla check --delivery", () => {
  it("send: proves the transport to the sink, phase by phase", async () => {
    const { code, out } = await check("out");
    console.log(`mailsla check --delivery out:\n${out}`);
    expect(out).toMatch(/^ +\+\d+\.\d{3}s {2}delivery out: send via sub$/m);
    expect(out).toMatch(/^ +\+\d+\.\d{3}s {2}sink listening on .+ for remote\.test$/m);
    expect(out).toMatch(/^ +\+\d+\.\d{3}s {2}handed over to sub: 250 to DATA .*token [a-z2-7]{26}$/m);
    expect(out).toMatch(
      /^ +\+\d+\.\d{3}s {2}PASS arrived \(sink-\w+\): delay [\d.]+ s, error bound [\d.]+ s$/m,
    );
    expect(code).toBe(0);
  });

  it("receive: from the MX to the mailbox, with the Received hops", async () => {
    const { code, out } = await check("in");
    console.log(`mailsla check --delivery in:\n${out}`);
    expect(out).toMatch(/mailbox imap watched/);
    expect(out).toMatch(/handed over to mx: 250 to DATA/);
    expect(out).toMatch(/^ +\+\d+\.\d{3}s {4}hop: from .* by /m);
    expect(out).toMatch(/PASS arrived \(\w[\w-]*\): delay [\d.]+ s/);
    expect(code).toBe(0);
  });

  it("fails at the timeout when the message cannot arrive, on a busy sink address and on an unknown delivery", async () => {
    const release = await holdQueue(stack);
    try {
      const { code, out } = await check("out", "--timeout", "3s");
      expect(out).toMatch(/handed over to sub: 250 to DATA/);
      expect(out).toMatch(
        /FAIL not arrived within 3 s \(the real agent waits 21600 s before counting it lost\)/,
      );
      expect(code).toBe(1);
    } finally {
      await release();
    }
    // as if the agent ran; it hangs up on Postfix, which now relays the message held above
    const busy = net.createServer((socket) => socket.destroy());
    await new Promise((resolve, reject) => {
      busy.once("error", reject);
      busy.listen(stack.ports.sink, stack.host, () => resolve(undefined));
    });
    try {
      const inUse = await check("out");
      expect(inUse.code).toBe(2);
      expect(inUse.out).toContain(`the sink's address ${stack.host}:${stack.ports.sink} is in use`);
    } finally {
      await new Promise((r) => busy.close(r));
    }
    const unknown = await check("nope");
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain(
      'no delivery "nope" for vantage point "a" (its deliveries: out, in, rt, in-pop)',
    );
  });
});
