import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { defaultAlertmanagerOptions, renderAlertmanager } from "../../alerts/alertmanager.js";
import { alertOptionsFromConfig } from "../../alerts/options.js";
import { renderRules } from "../../alerts/rules.js";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { startAgent, type Agent } from "../../probes/agent.js";
import { createLogger } from "../../contract/log.js";
import { startAlertmanager, type AlertmanagerServer } from "../helpers/alertmanager.js";
import { startPrometheus, type PrometheusServer } from "../helpers/prometheus.js";
import { stackConfig, type StackConfig } from "../helpers/stack-config.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { allocatePorts } from "../stack/ports.js";
import { startWebhook, type Webhook } from "./webhook.js";

/**
 * Everything between a mail server and the person on call, all real and on loopback: Postfix +
 * Dovecot, three probe agents, the collector, Prometheus with the generated rules and Alertmanager
 * with the generated routes, delivering to a webhook in the test. Exists so end-to-end tests start
 * the whole monitoring path the way an operator deploys it, and tear every piece down even when
 * start-up fails halfway.
 */

/** Divides the rules' `for:` durations (as docs/alerts.md's tests do): minutes become seconds. */
export const RULE_SPEED = 120;

/** Clean-ups registered as things start, run newest first; every one runs even if another fails. */
export class Teardown {
  readonly #steps: { name: string; run: () => unknown }[] = [];

  /** Registers the clean-up of something that has just started. */
  add(name: string, run: () => unknown): void {
    this.#steps.push({ name, run });
  }

  /** Runs and forgets every clean-up; throws one error naming each that failed. */
  async run(): Promise<void> {
    const failures: string[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        failures.push(`${step.name}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`teardown failed:\n${failures.join("\n")}`);
  }
}

/** The running pieces, for the test to drive (stack) and to observe (prometheus, hook). */
export interface Pipeline {
  readonly stack: MailStack;
  readonly config: Readonly<Config>;
  readonly services: StackConfig["services"];
  readonly agents: readonly Agent[];
  readonly collector: RunningCollector;
  readonly prometheus: PrometheusServer;
  readonly alertmanager: AlertmanagerServer;
  readonly hook: Webhook;
  /** Prometheus's and Alertmanager's logs, for failure messages. */
  logs(): string;
}

/** Starts every piece, registering its clean-up in `teardown` before starting the next. */
export async function startPipeline(teardown: Teardown): Promise<Pipeline> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-e2e-"));
  teardown.add("temporary directory", () => rmSync(dir, { recursive: true, force: true }));
  const stack = await startMailStack();
  teardown.add("mail stack", () => stack.stop());
  const { config, services } = await loadConfig(stack, dir, teardown);
  const log = createLogger("e2e", "silent");

  const collector = await startCollector(config, { log });
  teardown.add("collector", () => collector.close());
  const agents: Agent[] = [];
  for (const { name: vantage } of config.vantagePoints) {
    const statePath = path.join(dir, `agent-${vantage}.sqlite`);
    const agent = await startAgent({ config, vantage, log, listen: "127.0.0.1:0", statePath });
    teardown.add(`agent ${vantage}`, () => agent.stop({ abort: true }));
    agents.push(agent);
  }

  const hook = await startWebhook();
  teardown.add("webhook", () => hook.close());
  const alertmanager = await startAlertmanager(alertmanagerYaml(hook));
  teardown.add("alertmanager", () => alertmanager.stop());
  const rules = renderRules(alertOptionsFromConfig(config, { speed: RULE_SPEED }));
  const prometheus = await startPrometheus({
    config: prometheusYaml(alertmanager, agents, config, collector),
    ruleFiles: { "mailsla-rules.yml": rules },
  });
  teardown.add("prometheus", () => prometheus.stop());

  const logs = () =>
    `webhook:\n${describeReceived(hook)}\nprometheus:\n${prometheus.log()}\nalertmanager:\n${alertmanager.log()}`;
  return { stack, config, services, agents, collector, prometheus, alertmanager, hook, logs };
}

/**
 * The stack's configuration with a collector on a reserved port (agents push to its URL, so port 0
 * will not do); its secrets are put into the environment until teardown.
 */
async function loadConfig(stack: MailStack, dir: string, teardown: Teardown) {
  const lease = await allocatePorts(1);
  teardown.add("collector port", () => lease.release());
  const generated = stackConfig(stack, {
    stateDir: dir,
    collector: { listen: `127.0.0.1:${lease.ports[0]}`, dataDir: path.join(dir, "collector") },
    envPrefix: "MAILSLA_E2E",
  });
  for (const [name, value] of Object.entries(generated.env)) {
    process.env[name] = value;
    teardown.add(`env ${name}`, () => delete process.env[name]);
  }
  return { config: parseConfigText(generated.yaml, "e2e stack config"), services: generated.services };
}

/** The generated Alertmanager configuration, receivers at the test's webhook, timers in seconds. */
function alertmanagerYaml(hook: Webhook): string {
  return renderAlertmanager(
    defaultAlertmanagerOptions({
      oncall: { webhookUrl: hook.url("/oncall") },
      noc: { email: "noc@example.net", webhookUrl: hook.url("/noc") },
      watchdogUrl: hook.url("/watchdog"),
      // nothing listens on port 9: NOC e-mails fail (logged), the NOC webhook still records them
      smtp: { smarthost: "127.0.0.1:9", from: "mailsla@example.net" },
      timing: { groupWait: "1s", groupInterval: "1s", repeatInterval: "1h", resolveTimeout: "1m" },
    }),
  );
}

/** One line per notification received so far: path, status, alert names and services. */
function describeReceived(hook: Webhook): string {
  return hook.received
    .map((n) => {
      const alerts = n.body.alerts.map((a) => `${a.status} ${a.labels.alertname}/${a.labels.service ?? "-"}`);
      return `  ${n.path}: ${alerts.join(", ")}`;
    })
    .join("\n");
}

const hostPort = (url: string) => new URL(url).host;

/**
 * Prometheus as docs/alerts.md asks: job mailsla-agent with a `vantage` target label and
 * honor_labels, job mailsla-collector; scrape and evaluation every second.
 */
function prometheusYaml(
  am: AlertmanagerServer,
  agents: readonly Agent[],
  config: Readonly<Config>,
  collector: RunningCollector,
): string {
  const agentTargets = agents.map((agent, i) => ({
    targets: [hostPort(agent.url!)],
    labels: { vantage: config.vantagePoints[i]!.name },
  }));
  return stringify({
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: ["mailsla-rules.yml"],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${am.port}`] }] }] },
    scrape_configs: [
      { job_name: "mailsla-agent", honor_labels: true, static_configs: agentTargets },
      { job_name: "mailsla-collector", static_configs: [{ targets: [hostPort(collector.address)] }] },
    ],
  });
}
