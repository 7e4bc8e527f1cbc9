import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../../config/load.js";
import { demoConfigYaml, demoEnvironment } from "../../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { startAgent, type Agent } from "../../probes/agent.js";
import { createLogger } from "../../contract/log.js";
import type { ProbeResult } from "../../contract/result.js";
import { promtoolCheckMetrics } from "../helpers/tools.js";

let target: DemoTarget;
let agent: Agent | undefined;
const results: ProbeResult[] = [];
const dataDir = mkdtempSync(join(tmpdir(), "mailsla-agent-"));
/** Nothing listens on port 1: the agent's pushes fail, so its results stay in the outbox. */
const NO_COLLECTOR = "127.0.0.1:1";

/** Waits until `cond` holds, polling; fails with `what` after `ms`. */
async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  target = await startDemoTarget();
  Object.assign(process.env, demoEnvironment(target));
});
afterAll(async () => {
  await agent?.stop({ abort: true });
  await target?.stop();
});

describe("probe agent (the embedded default: agent against the built-in demo target)", () => {
  it("checks every service, serves /metrics that promtool accepts, and stops gracefully", async () => {
    const config = parseConfigText(
      demoConfigYaml(target, { dataDir, collectorListen: NO_COLLECTOR }),
      "demo",
    );
    agent = await startAgent({
      config,
      vantage: "demo",
      log: createLogger("test", "silent"),
      listen: "127.0.0.1:0",
      sinks: [(r) => results.push(r)],
    });
    await until(() => results.length >= config.services.length, "a result per service");
    expect(results.filter((r) => !r.ok).map((r) => [r.check, r.error])).toEqual([]);

    const res = await fetch(`${agent.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const s of config.services) {
      expect(text).toContain(`mailsla_check_success{service="${s.name}",kind="${s.kind}",vantage="demo"} 1`);
    }
    const lint = promtoolCheckMetrics(text);
    expect(lint.output).toBe("");

    // a fault switched on in the target shows up as a failed result with its code and stage
    target.setFault("imap", "down");
    const before = results.length;
    await until(
      () => results.slice(before).some((r) => r.check === "demo-imap" && !r.ok),
      "a failed IMAP check",
      30_000,
    );
    const failed = results.slice(before).find((r) => r.check === "demo-imap" && !r.ok)!;
    expect(failed.error?.code).toMatch(/^(connect|closed)$/);
    target.setFault("imap", "none");

    // every result also went to the durable outbox, bound for the collector
    expect(agent.state.outbox.size()).toBeGreaterThanOrEqual(results.length);

    await agent.stop();
    await expect(fetch(`${agent.url}/metrics`)).rejects.toThrow();
    agent = undefined;
  });

  it("refuses a vantage point the configuration does not list", async () => {
    const config = parseConfigText(
      demoConfigYaml(target, { dataDir, collectorListen: NO_COLLECTOR }),
      "demo",
    );
    await expect(
      startAgent({ config, vantage: "mars", log: createLogger("test", "silent") }),
    ).rejects.toThrow('unknown vantage point "mars": the configuration lists demo');
  });
});
