import { loadConfigFile, parseConfigText } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { startCollector, type RunningCollector } from "../collector/server.js";
import { DEMO_ADMIN_TOKEN_ENV, demoConfigYaml, demoEnvironment } from "../demo/config.js";
import { adminClient, startDemoScript, type StepOutcome } from "../demo/script.js";
import { startDemoTarget, type DemoTarget } from "../demo/target.js";
import { startAgent, type Agent } from "../probes/agent.js";
import { createLogger, type Logger } from "../contract/log.js";

/** Which parts one process runs: `mailsla run` (both), `mailsla agent`, `mailsla collector`. */
export type Role = "all" | "agent" | "collector";

/** Options shared by the run commands. */
export interface RunOptions {
  config?: string;
  vantage?: string;
  listen?: string;
}

/**
 * Runs mailsla's long-lived processes. With no configuration (`mailsla run` alone) this is the
 * embedded default: the built-in demo mail target, the collector on its embedded SQLite ledger and
 * an agent probing the target and pushing to it, all in this process. Stops gracefully on
 * SIGINT/SIGTERM (running checks finish; a second signal aborts them).
 */
export async function runCommand(role: Role, o: RunOptions): Promise<void> {
  const log = createLogger("mailsla");
  let demo: DemoTarget | undefined;
  let config: Readonly<Config>;
  if (o.config) {
    config = loadConfigFile(o.config);
  } else if (role === "all") {
    demo = await startDemoTarget();
    Object.assign(process.env, demoEnvironment(demo));
    config = parseConfigText(demoConfigYaml(demo), "(built-in demo)");
    log.info({ ports: demo.ports }, "no --config given: probing the built-in demo mail target");
  } else {
    throw new Error(`mailsla ${role} needs --config FILE (or MAILSLA_CONFIG)`);
  }
  const collector = role === "agent" ? undefined : await startCollector(config, { log });
  const agent =
    role === "collector"
      ? undefined
      : await startAgent({
          config,
          vantage: o.vantage ?? config.vantagePoints[0]!.name,
          log,
          ...(o.listen ? { listen: o.listen } : {}),
        });
  if (demo && collector) {
    console.error(
      `mailsla demo: status page ${collector.address}/, agent metrics ${agent?.url}/metrics, Ctrl-C to stop`,
    );
    if (process.env.MAILSLA_DEMO_SCRIPT === "off") log.info("MAILSLA_DEMO_SCRIPT=off: no scripted faults");
    else
      startDemoScript({
        target: demo,
        admin: adminClient(collector.address, process.env[DEMO_ADMIN_TOKEN_ENV]!),
        log: logStep(log),
      });
  }
  onSignals(log, { agent, collector, demo });
}

/** Logs one step of the demo script: when it played (relative to the start) and what it did. */
function logStep(log: Logger): (o: StepOutcome) => void {
  return (o) => {
    const fields = { demoStep: `+${o.at / 1000}s`, ...o.detail };
    if (o.ok) log.info(fields, `demo script: ${o.say}`);
    else log.warn({ ...fields, error: o.error }, `demo script step failed: ${o.say}`);
  };
}

function onSignals(
  log: Logger,
  parts: { agent: Agent | undefined; collector: RunningCollector | undefined; demo: DemoTarget | undefined },
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "second signal: aborting running checks");
      await parts.agent?.stop({ abort: true });
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, "stopping: letting running checks finish");
    await parts.agent?.stop();
    await parts.collector?.close();
    await parts.demo?.stop();
    process.exit(0);
  };
  process.on("SIGINT", (s) => void stop(s));
  process.on("SIGTERM", (s) => void stop(s));
}
