import { loadConfigFile, parseConfigText } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { demoConfigYaml, demoEnvironment } from "../demo/config.js";
import { startDemoTarget, type DemoTarget } from "../demo/target.js";
import { startAgent } from "./agent.js";
import { createLogger } from "./log.js";

/**
 * `mailsla run`: the agent on the operator's configuration, or, with none, the embedded default:
 * the built-in demo mail target in this process and an agent probing it. Stops gracefully on
 * SIGINT/SIGTERM (running checks finish; a second signal aborts them).
 */
export async function runAgentCommand(o: {
  config?: string;
  vantage?: string;
  listen?: string;
}): Promise<void> {
  const log = createLogger("mailsla");
  let demo: DemoTarget | undefined;
  let config: Readonly<Config>;
  if (o.config) {
    config = loadConfigFile(o.config);
  } else {
    demo = await startDemoTarget();
    Object.assign(process.env, demoEnvironment(demo));
    config = parseConfigText(demoConfigYaml(demo), "(built-in demo)");
    log.info({ ports: demo.ports }, "no --config given: probing the built-in demo mail target");
  }
  const agent = await startAgent({
    config,
    vantage: o.vantage ?? config.vantagePoints[0]!.name,
    log,
    ...(o.listen ? { listen: o.listen } : {}),
  });
  if (demo) console.error(`mailsla demo: metrics at ${agent.url}/metrics, Ctrl-C to stop`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "second signal: aborting running checks");
      await agent.stop({ abort: true });
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, "stopping: letting running checks finish");
    await agent.stop();
    await demo?.stop();
    process.exit(0);
  };
  process.on("SIGINT", (s) => void stop(s));
  process.on("SIGTERM", (s) => void stop(s));
}
