/**
 * `mailsla collector --collector-listen` moves the collector away from `collector.listen` (here to a
 * free port), as the compiled command runs it; the configured port stays untouched.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { collectorConfigYaml, TOKEN_ENV } from "../collector/fixtures.js";
import { start } from "./process.js";

const dir = mkdtempSync(path.join(tmpdir(), "mailsla-collector-listen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing listens on now (bound and released), to configure and then not use. */
async function unusedPort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

it("listens where --collector-listen says, not on collector.listen", async () => {
  const configured = await unusedPort();
  const file = path.join(dir, "mailsla.yaml");
  writeFileSync(file, collectorConfigYaml({ listen: `127.0.0.1:${configured}`, dataDir: dir }));
  const env = { ...process.env, ...TOKEN_ENV, MAILSLA_TEST_PROBE_PASSWORD: "pw" };
  const args = ["dist/cli/main.js", "collector", "--config", file, "--collector-listen", "127.0.0.1:0"];
  const collector = start(process.execPath, args, { env });
  try {
    const out = await collector.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const url = out.match(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/)![1]!;
    expect(url).not.toBe(`http://127.0.0.1:${configured}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${configured}/healthz`)).rejects.toThrow();
  } finally {
    await collector.stop();
  }
  expect(collector.child.exitCode).toBe(0); // SIGTERM: a graceful stop
});
