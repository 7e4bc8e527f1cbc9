/**
 * A running mailsla for the status page tests, composed like `mailsla run` (cli/run-command.ts):
 * the built-in demo target, a listening collector with the SLA engine's wiring over its ledger, and
 * the probe agent (checks, delivery probes, pusher). The collector's clock can be frozen, so the page
 * and `GET /api/v1/sla` compute the same instant and their numbers can be compared exactly.
 */
import { Registry } from "prom-client";
import { buildCollector } from "../../collector/app.js";
import { configuredDeps, ledgerPath } from "../../collector/server.js";
import type { SlaWiring } from "../../collector/routes/sla.js";
import { createSlaSource, type SlaSource } from "../../collector/sla-source/wiring.js";
import { openStore } from "../../collector/store/index.js";
import type { Config } from "../../config/schema.js";
import { DEMO_ADMIN_TOKEN_ENV, demoEnvironment } from "../../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { startAgent, type Agent } from "../../probes/agent.js";
import { createLogger } from "../../contract/log.js";
import { demoStackConfig, stackTeardown } from "../helpers/demo-stack.js";
import { allocatePorts } from "../stack/ports.js";

/** The collector's clock: the host's, or frozen at one instant while numbers are compared. */
export interface TestClock {
  now(): number;
  /** Stops the clock at `at` (now by default) until {@link thaw}. */
  freeze(at?: number): number;
  thaw(): void;
}

/** Everything started, and how to stop it. */
export interface StatusStack {
  readonly config: Readonly<Config>;
  readonly target: DemoTarget;
  readonly agent: Agent;
  readonly source: SlaSource;
  readonly clock: TestClock;
  /** The collector's base URL, e.g. http://127.0.0.1:23456. */
  readonly url: string;
  /** Headers of an admin API request. */
  readonly admin: Record<string, string>;
  stop(): Promise<void>;
}

/** Options of {@link startStatusStack}. */
export interface StatusStackOptions {
  /** The agent's check interval; the demo's 10 s unless shortened. */
  readonly interval?: "2s" | "10s";
  /**
   * What the collector's SLA wiring offers the page: its snapshot (the default), only the month and
   * year of `SlaWiring` (no live state: the page falls back to raw results), or no wiring at all.
   */
  readonly sla?: "snapshot" | "month-and-year" | "none";
}

function testClock(): TestClock {
  let frozen: number | undefined;
  return {
    now: () => frozen ?? Date.now(),
    freeze: (at = Date.now()) => (frozen = at),
    thaw: () => void (frozen = undefined),
  };
}

async function startCollector(config: Readonly<Config>, clock: TestClock, sla: StatusStackOptions["sla"]) {
  const c = config.collector!;
  const store = openStore(ledgerPath(c.dataDir));
  const source = createSlaSource(store, config, { now: clock.now });
  const app = buildCollector(
    {
      ...configuredDeps(config),
      store,
      registry: new Registry(),
      sla:
        sla === "none"
          ? undefined
          : sla === "month-and-year"
            ? withoutSnapshot(source.wiring)
            : source.wiring,
      now: clock.now,
    },
    { logger: false },
  );
  const [host, port] = c.listen.split(":") as [string, string];
  await app.listen({ host, port: Number(port) });
  const close = async () => {
    await app.close();
    await store.close();
  };
  return { source, url: `http://${c.listen}`, close };
}

/** Starts the stack; on a failure, stops what already started and rethrows. */
export async function startStatusStack(o: StatusStackOptions = {}): Promise<StatusStack> {
  const log = createLogger("status-test", process.env.MAILSLA_TEST_LOG ?? "silent");
  const { dir, stops, stop } = stackTeardown("mailsla-status-");
  try {
    const target = await startDemoTarget({ slowMs: 3000 });
    stops.push(() => target.stop());
    Object.assign(process.env, demoEnvironment(target));
    const lease = await allocatePorts(1);
    stops.push(() => lease.release());
    const config = demoStackConfig(target, {
      collectorListen: `127.0.0.1:${lease.ports[0]}`,
      dataDir: dir,
      interval: o.interval ?? "2s",
      source: "(status page stack)",
    });
    const clock = testClock();
    const collector = await startCollector(config, clock, o.sla ?? "snapshot");
    stops.push(() => collector.close());
    const agent = await startAgent({ config, vantage: "demo", log, listen: "127.0.0.1:0" });
    stops.push(() => agent.stop({ abort: true }));
    const admin = { authorization: `Bearer ${process.env[DEMO_ADMIN_TOKEN_ENV]}` };
    return { config, target, agent, source: collector.source, clock, url: collector.url, admin, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `ms`. */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The wiring minus its snapshot: what an older or partial SLA wiring offers the page. */
function withoutSnapshot(wiring: SlaWiring): SlaWiring {
  const { snapshot: _snapshot, ...rest } = wiring;
  return rest;
}
