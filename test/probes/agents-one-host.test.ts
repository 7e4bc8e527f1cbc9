/**
 * Several agents on one host from one configuration file (README, "Operations"): each started with
 * its own --vantage and --listen, sharing `agent.stateDir`, where each keeps its own state file;
 * both probe, and each one's /metrics speaks for its own vantage point only.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseConfigText } from "../../config/load.js";
import { createLogger } from "../../contract/log.js";
import type { ProbeResult } from "../../contract/result.js";
import { demoConfigYaml, demoEnvironment } from "../../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { startAgent, type Agent } from "../../probes/agent.js";

let target: DemoTarget;
const agents: Agent[] = [];
const stateDir = mkdtempSync(join(tmpdir(), "mailsla-agents-one-host-"));

beforeAll(async () => {
  target = await startDemoTarget();
  Object.assign(process.env, demoEnvironment(target), { MAILSLA_TEST_TOKEN_2: "token-of-the-second-agent" });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop({ abort: true })));
  await target?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The demo's configuration with a second vantage point and its token, and no delivery probes. */
function oneFileForTwo(): string {
  const yaml = demoConfigYaml(target, { dataDir: stateDir, collectorListen: "127.0.0.1:1" });
  return yaml
    .replace(
      "    location: this machine\n",
      "    location: this machine\n  - name: demo-2\n    location: second uplink\n",
    )
    .replace(/\ndeliveries:\n[\s\S]*?\n\n/, "\n")
    .replace(/(\n {4}demo: \{ env: \w+ \})/, "$1\n    demo-2: { env: MAILSLA_TEST_TOKEN_2 }");
}

it("runs two agents from one file, with their own /metrics and state files in one stateDir", async () => {
  const config = parseConfigText(oneFileForTwo(), "one file");
  expect(config.vantagePoints.map((v) => v.name)).toEqual(["demo", "demo-2"]);
  const seen: Record<string, ProbeResult[]> = { demo: [], "demo-2": [] };
  for (const vantage of ["demo", "demo-2"]) {
    const log = createLogger("test", "silent");
    const sinks = [(r: ProbeResult) => void seen[vantage]!.push(r)];
    agents.push(await startAgent({ config, vantage, log, listen: "127.0.0.1:0", sinks }));
  }
  const end = Date.now() + 20_000;
  while (Object.values(seen).some((r) => r.length < config.services.length) && Date.now() < end)
    await new Promise((r) => setTimeout(r, 100));
  for (const [vantage, results] of Object.entries(seen)) {
    expect(results.length, vantage).toBeGreaterThanOrEqual(config.services.length);
    expect(new Set(results.map((r) => r.vantage))).toEqual(new Set([vantage]));
    expect(existsSync(join(stateDir, `agent-${vantage}.sqlite`))).toBe(true);
  }
  const [a, b] = agents.map((x) => x.url!);
  expect(a).not.toBe(b);
  expect(await (await fetch(`${b}/metrics`)).text()).toContain('vantage="demo-2"');
  expect(await (await fetch(`${b}/metrics`)).text()).not.toContain('vantage="demo"');
});
