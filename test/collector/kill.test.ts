/**
 * The collector killed with SIGKILL again and again while three agents push: every result the
 * agents produced must end up stored exactly once. The collector runs as a child process (tsx
 * collector/server.ts), the agents (outbox + pusher each) in the test process.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ledgerPath } from "../../collector/server.js";
import { openStore } from "../../collector/store/index.js";
import { allocatePorts } from "../stack/ports.js";
import { CollectorProcess } from "./collector-process.js";
import { startAgents } from "./pushing-agents.js";
import { collectorConfigYaml, T0, tempDir } from "./fixtures.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe("collector killed with SIGKILL while three agents push", () => {
  it("stores every result the agents produced exactly once", async () => {
    const lease = await allocatePorts(1);
    const dir = tempDir();
    const listen = `127.0.0.1:${lease.ports[0]}`;
    const config = join(dir, "mailsla.yaml");
    writeFileSync(config, collectorConfigYaml({ listen, dataDir: join(dir, "data") }));
    const collector = new CollectorProcess(
      "collector",
      ["--import", "tsx", "collector/server.ts", config],
      `http://${listen}`,
      join(dir, "collector.log"),
    );
    cleanup.push(
      () => lease.release(),
      () => collector.signal("SIGKILL"),
    );
    let clock = T0;
    const { agents, stopProducing, close } = startAgents({
      dir,
      urls: () => `http://${listen}`,
      next: () => ({ startedAt: clock++ }),
      everyMs: 3,
    });
    cleanup.push(close);

    const started = Date.now();
    const kills = 6;
    await collector.start();
    for (let k = 0; k < kills; k++) {
      await sleep(between(300, 900));
      await collector.signal("SIGKILL");
      await sleep(between(30, 300));
      await collector.start();
    }
    stopProducing();
    await Promise.all(agents.map((a) => a.pusher.flush()));
    expect(await collector.signal("SIGTERM")).toBe(0); // a graceful stop

    const store = openStore(ledgerPath(join(dir, "data")));
    cleanup.push(() => store.close());
    const stored = await store.results.checks({ from: 0, to: Number.MAX_SAFE_INTEGER });
    const produced = agents.reduce((n, a) => n + a.produced.size, 0);
    const figures = {
      kills,
      seconds: (Date.now() - started) / 1000,
      produced,
      stored: stored.length,
      duplicatesAbsorbed: agents.reduce((n, a) => n + a.pusher.stats.duplicates, 0),
      failedRequests: agents.reduce((n, a) => n + a.pusher.stats.failures, 0),
    };
    console.log("kill test:", JSON.stringify(figures));

    expect(stored.length).toBe(produced);
    expect(new Set(stored.map((r) => r.id)).size).toBe(stored.length);
    for (const a of agents) {
      const mine = stored.filter((r) => r.vantage === a.vantage);
      expect(mine.length, a.vantage).toBe(a.produced.size);
      expect(mine.every((r) => a.produced.has(r.id))).toBe(true);
      expect(a.state.outbox.size()).toBe(0);
      expect(a.pusher.stats.quarantined).toBe(0);
    }
    expect(figures.failedRequests).toBeGreaterThan(0); // the kills did interrupt pushing
  }, 90_000);
});
