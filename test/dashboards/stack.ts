/**
 * A running mailsla for the dashboard queries, composed like `mailsla run` (cli/run-command.ts):
 * the built-in demo target, the collector (exporting to a private InfluxDB) and the probe agent
 * (checks, delivery probes, pusher), scraped by a private Prometheus with the job names and target
 * labels docs/alerts.md asks for. Check interval and scrape interval are shortened; nothing else.
 */
import { defaultAlertOptions } from "../../alerts/options.js";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import type { Config } from "../../config/schema.js";
import { demoEnvironment } from "../../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { startAgent, type Agent } from "../../probes/agent.js";
import { createLogger } from "../../contract/log.js";
import { demoStackConfig, stackTeardown } from "../helpers/demo-stack.js";
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
  const { dir, stops, stop } = stackTeardown("mailsla-dashboards-");
  try {
    const influxd = await startInfluxd();
    stops.push(() => influxd.close());
    const target = await startDemoTarget({ slowMs: 3000 });
    stops.push(() => target.stop());
    Object.assign(process.env, demoEnvironment(target));
    const lease: PortLease = await allocatePorts(1);
    stops.push(() => lease.release());
    const config = demoStackConfig(target, {
      collectorListen: `127.0.0.1:${lease.ports[0]}`,
      dataDir: dir,
      interval: "2s",
      extra: `  influx: { url: ${JSON.stringify(influxd.url)}, database: ${INFLUX_DB}, flushInterval: 200ms }\n`,
      // a sender-hygiene check for the probe-detail dashboard's hygiene row: the demo MX refuses
      // postmaster@ (no such mailbox), so it fails with role-address-refused every interval
      services: `  - { name: demo-postmaster, kind: role-addresses, host: ${JSON.stringify(target.host)}, port: ${target.ports.smtp}, tls: { mode: starttls, caFile: ${JSON.stringify(target.caFile)}, servername: ${JSON.stringify(target.servername)} }, from: probe@outside.example, domains: [${target.domain}] }\n`,
      source: "(dashboard queries stack)",
    });
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
