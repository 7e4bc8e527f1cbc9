/**
 * A running mailsla for the dashboard queries, composed like `mailsla run` (probes/run-command.ts):
 * the built-in demo target, the collector (exporting to a private InfluxDB) and the probe agent
 * (checks, delivery probes, pusher), scraped by a private Prometheus with the job names and target
 * labels docs/alerts.md asks for. Check interval and scrape interval are shortened; nothing else.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultAlertOptions } from "../../alerts/options.js";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { demoConfigYaml, demoEnvironment } from "../../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { startAgent, type Agent } from "../../probes/agent.js";
import { createLogger } from "../../probes/log.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { startPrometheus, type PrometheusServer } from "../helpers/prometheus.js";
import { allocatePorts, type PortLease } from "../stack/ports.js";

/** The InfluxDB database the collector exports to. */
export const INFLUX_DB = "mailsla";

/** Everything started, and how to stop it. */
export interface DashboardStack {
  readonly config: Readonly<Config>;
  readonly target: DemoTarget;
  readonly collector: RunningCollector;
  readonly agent: Agent;
  readonly prometheus: PrometheusServer;
  readonly influxd: Influxd;
  stop(): Promise<void>;
}

/** The demo configuration with a 2 s check interval and the collector exporting to `influxUrl`. */
function stackConfig(target: DemoTarget, collectorListen: string, dataDir: string, influxUrl: string) {
  const yaml = demoConfigYaml(target, { agentListen: "127.0.0.1:0", collectorListen, dataDir }).replace(
    /^ {2}interval: 10s$/m,
    "  interval: 2s",
  );
  if (!yaml.includes("  interval: 2s"))
    throw new Error("demo configuration changed: no agent interval of 10s");
  const influx = `  influx: { url: ${JSON.stringify(influxUrl)}, database: ${INFLUX_DB}, flushInterval: 200ms }\n`;
  return parseConfigText(`${yaml.trimEnd()}\n${influx}`, "(dashboard queries stack)");
}

function prometheusConfig(agentUrl: string, collectorAddress: string): string {
  const { jobs } = defaultAlertOptions();
  const host = (url: string) => new URL(url).host;
  return `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: ${jobs.agent}
    honor_labels: true
    static_configs: [{ targets: ["${host(agentUrl)}"], labels: { vantage: demo } }]
  - job_name: ${jobs.collector}
    static_configs: [{ targets: ["${host(collectorAddress)}"] }]
`;
}

/** Starts the stack; on a failure, stops what already started and rethrows. */
export async function startDashboardStack(): Promise<DashboardStack> {
  const log = createLogger("dashboards", process.env.MAILSLA_TEST_LOG ?? "silent");
  const dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-dashboards-"));
  const stops: (() => Promise<unknown> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const influxd = await startInfluxd();
    stops.push(() => influxd.close());
    const target = await startDemoTarget({ slowMs: 3000 });
    stops.push(() => target.stop());
    Object.assign(process.env, demoEnvironment(target));
    const lease: PortLease = await allocatePorts(1);
    stops.push(() => lease.release());
    const config = stackConfig(target, `127.0.0.1:${lease.ports[0]}`, dir, influxd.url);
    const collector = await startCollector(config, { log });
    stops.push(() => collector.close());
    const agent = await startAgent({ config, vantage: "demo", log, listen: "127.0.0.1:0" });
    stops.push(() => agent.stop({ abort: true }));
    const prometheus = await startPrometheus({ config: prometheusConfig(agent.url!, collector.address) });
    stops.push(() => prometheus.stop());
    return { config, target, collector, agent, prometheus, influxd, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
