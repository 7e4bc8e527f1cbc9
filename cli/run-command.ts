import { loadConfigFile } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { startCollector, type RunningCollector } from "../collector/server.js";
import { adminClient, startDemoScript, type StepOutcome } from "../demo/script.js";
import { startDemoTarget, type DemoTarget } from "../demo/target.js";
import { writeDemoConfig, writeDemoWorkspace, type DemoWorkspace } from "../demo/workspace.js";
import { startAgent, type Agent } from "../probes/agent.js";
import { createLogger, type Logger } from "../contract/log.js";
import { demoIntroLines } from "./demo-intro.js";

/** Which parts one process runs: `mailsla run` (both), `mailsla agent`, `mailsla collector`. */
export type Role = "all" | "agent" | "collector";

/** Options shared by the run commands. */
export interface RunOptions {
  config?: string;
  vantage?: string;
  /** The agent's /metrics address (overrides agent.listen). */
  listen?: string;
  /** The collector's address (overrides collector.listen). */
  collectorListen?: string;
  /** The demo's data directory (configuration, secrets, ledger, agent state); ./var/demo by default. */
  dataDir?: string;
}

/** The demo's data directory when `--data-dir` is not given. */
export const DEMO_DATA_DIR = "var/demo";

/**
 * Runs mailsla's long-lived processes. With no configuration (`mailsla run` alone) this is the
 * embedded default: the built-in demo mail target, the collector on its embedded SQLite ledger and
 * an agent probing the target and pushing to it, all in this process; the demo writes its
 * configuration and secrets under its data directory and prints how to drive it. Stops gracefully
 * on SIGINT/SIGTERM (running checks finish; a second signal aborts them).
 */
export async function runCommand(role: Role, o: RunOptions): Promise<void> {
  const log = createLogger("mailsla");
  let demo: { target: DemoTarget; ws: DemoWorkspace } | undefined;
  let config: Readonly<Config>;
  if (o.config) {
    config = withCollectorListen(loadConfigFile(o.config), o.collectorListen);
  } else if (role === "all") {
    const target = await startDemoTarget();
    const listen = {
      agentListen: o.listen ?? "127.0.0.1:9469",
      collectorListen: o.collectorListen ?? "127.0.0.1:9470",
    };
    const ws = writeDemoWorkspace(target, o.dataDir ?? DEMO_DATA_DIR, listen);
    demo = { target, ws };
    config = loadConfigFile(ws.configFile);
    log.info(
      { ports: target.ports, config: ws.configFile },
      "no --config given: probing the built-in demo mail target",
    );
  } else {
    throw new Error(`mailsla ${role} needs --config FILE (or MAILSLA_CONFIG)`);
  }
  const parts: Parts = { agent: undefined, collector: undefined, demo: demo?.target };
  onSignals(log, parts);
  parts.collector = role === "agent" ? undefined : await startCollector(config, { log });
  parts.agent =
    role === "collector"
      ? undefined
      : await startAgent({
          config: pushTo(config, parts.collector),
          vantage: o.vantage ?? config.vantagePoints[0]!.name,
          log,
          ...(o.listen ? { listen: o.listen } : {}),
        });
  if (demo && parts.collector) startDemo(demo, parts.collector, parts.agent, config.operator.timeZone, log);
}

/** The demo's second half: the real addresses into its configuration, the intro, the script. */
function startDemo(
  demo: { target: DemoTarget; ws: DemoWorkspace },
  collector: RunningCollector,
  agent: Agent | undefined,
  timeZone: string,
  log: Logger,
): void {
  const hostPort = (url: string | undefined) => url?.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  writeDemoConfig(demo.target, demo.ws, {
    agentListen: hostPort(agent?.url),
    collectorListen: hostPort(collector.address),
  });
  const intro = {
    statusUrl: collector.address,
    configFile: demo.ws.configFile,
    adminTokenFile: demo.ws.adminTokenFile,
  };
  console.error(demoIntroLines({ ...intro, timeZone }).join("\n"));
  if (process.env.MAILSLA_DEMO_SCRIPT === "off") log.info("MAILSLA_DEMO_SCRIPT=off: no scripted faults");
  else
    startDemoScript({
      target: demo.target,
      admin: adminClient(collector.address, demo.ws.adminToken),
      log: logStep(log),
    });
}

/** `config` with the collector moved to `listen` (and its URL with it when it was the default). */
function withCollectorListen(config: Readonly<Config>, listen: string | undefined): Readonly<Config> {
  const c = config.collector;
  if (!listen || !c) return config;
  const url = c.url === `http://${c.listen}` ? `http://${listen}` : c.url;
  return { ...config, collector: { ...c, listen, url } };
}

/** In one process the agent pushes where the collector really listens (it may have asked for port 0). */
function pushTo(config: Readonly<Config>, collector: RunningCollector | undefined): Readonly<Config> {
  const c = config.collector;
  if (!collector || !c || c.url !== `http://${c.listen}`) return config;
  return { ...config, collector: { ...c, url: collector.address } };
}

/** Logs one step of the demo script: when it played (relative to the start) and what it did. */
function logStep(log: Logger): (o: StepOutcome) => void {
  return (o) => {
    const fields = { demoStep: `+${o.at / 1000}s`, ...o.detail };
    if (o.ok) log.info(fields, `demo script: ${o.say}`);
    else log.warn({ ...fields, error: o.error }, `demo script step failed: ${o.say}`);
  };
}

interface Parts {
  agent: Agent | undefined;
  collector: RunningCollector | undefined;
  demo: DemoTarget | undefined;
}

/** How long a graceful stop lets running checks go on before aborting them (a second signal aborts at once). */
export const STOP_GRACE_MS = 3_000;

/** Installed before anything listens, so a signal during start-up still stops what has started. */
function onSignals(log: Logger, parts: Parts): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "second signal: aborting running checks");
      await parts.agent?.stop({ abort: true });
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, `stopping: letting running checks finish (at most ${STOP_GRACE_MS / 1000} s)`);
    const grace = setTimeout(() => {
      log.warn(`checks still running after ${STOP_GRACE_MS / 1000} s: aborting them`);
      void parts.agent?.stop({ abort: true });
    }, STOP_GRACE_MS);
    await parts.agent?.stop();
    clearTimeout(grace);
    await parts.collector?.close();
    await parts.demo?.stop();
    process.exit(0);
  };
  process.on("SIGINT", (s) => void stop(s));
  process.on("SIGTERM", (s) => void stop(s));
}
