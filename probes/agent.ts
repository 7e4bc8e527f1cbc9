import { join } from "node:path";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.js";
import type { ServiceConfig } from "../config/services.js";
import { systemClock, type Clock } from "../contract/clock.js";
import { countsForAvailability, EVENT_KINDS } from "../config/hygiene.js";
import { KINDS } from "./kinds/index.js";
import { senderAuthAtSink } from "./hygiene/at-sink.js";
import { hygieneCheckMetrics } from "./hygiene/check-metrics.js";
import type { Credentials } from "./kinds/kind.js";
import type { Logger } from "../contract/log.js";
import { createAgentMetrics, createProcessRegistry } from "./metrics.js";
import type { ProbeResult } from "../contract/result.js";
import { runCheck, type KindRegistry, type RunDeps } from "./run-check.js";
import { Scheduler, type ScheduledCheck } from "./scheduler.js";
import { serveMetrics } from "./agent-http.js";
import { deliveriesFor } from "../config/delivery.js";
import { startDeliveries, type DeliveryRunner } from "./delivery/deliveries.js";
import { loginSlot } from "./net/pop3-login-slot.js";
import { outboxMetrics } from "./push/metrics.js";
import { startPusher, type Pusher } from "./push/pusher.js";
import { ResultLog } from "./result-log.js";
import { openAgentState, type AgentState } from "./state/agent-state.js";

/** Everything an agent needs from its caller: the configuration, who it is, where results go. */
export interface AgentOptions {
  config: Readonly<Config>;
  /** This agent's vantage point; must be one of `config.vantagePoints`. */
  vantage: string;
  log: Logger;
  clock?: Clock;
  kinds?: KindRegistry;
  /** Extra consumers of check results (tests, the embedded status page); each called once per result. */
  sinks?: ((result: ProbeResult) => void)[];
  /** Overrides `config.agent.listen` (e.g. port 0 in tests); `false` serves no HTTP. */
  listen?: string | false;
  /** Overrides the state file (default `<agent.stateDir>/agent-<vantage>.sqlite`). */
  statePath?: string;
}

/** A running probe agent. */
export interface Agent {
  /** Where /metrics is served, e.g. http://127.0.0.1:9469 (undefined when not listening). */
  url: string | undefined;
  registry: Registry;
  state: AgentState;
  /** The delivery probes, when this vantage point runs any. */
  deliveries: DeliveryRunner | undefined;
  /** The pusher to the collector, when one is configured. */
  pusher: Pusher | undefined;
  /** Stops scheduling, lets running checks finish (or aborts them), closes the HTTP server. */
  stop(opts?: { abort?: boolean }): Promise<void>;
}

/**
 * The services this vantage point checks: all, or those that name it in `vantagePoints`. An
 * unknown vantage point is refused here, so neither the agent nor `mailsla check` runs as nobody.
 */
export function servicesFor(config: Readonly<Config>, vantage: string): ServiceConfig[] {
  if (!config.vantagePoints.some((v) => v.name === vantage)) {
    const known = config.vantagePoints.map((v) => v.name).join(", ");
    throw new Error(`unknown vantage point "${vantage}": the configuration lists ${known}`);
  }
  return config.services.filter((s) => !s.vantagePoints || s.vantagePoints.includes(vantage));
}

/** What running a check needs at this vantage point: the agent and `mailsla check` share it. */
export function runDeps(
  config: Readonly<Config>,
  vantage: string,
  clock: Clock = systemClock,
  kinds: KindRegistry = KINDS,
): RunDeps {
  const accounts: Record<string, Credentials> = { ...config.accounts };
  return { kinds, clock, vantage, accounts, ehloName: `mailsla-${vantage}.invalid` };
}

/**
 * Starts a probe agent: schedules every service's check, exports results on /metrics and hands
 * them to the sinks. The wiring lives here; the checks, the timetable and the metrics are each
 * their own module.
 */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const { config, vantage, log } = opts;
  const clock = opts.clock ?? systemClock;
  const services = servicesFor(config, vantage); // refuses an unknown vantage point
  const registry = createProcessRegistry("mailsla_agent_");
  const statePath = opts.statePath ?? join(config.agent.stateDir, `agent-${vantage}.sqlite`);
  const state = openAgentState(statePath, () => clock.now());
  // sender-hygiene results are reputation: kept off the metrics the availability rules read
  const available = services.filter((s) => countsForAvailability(s.kind));
  const metrics = createAgentMetrics(registry, available, vantage);
  const reputation = services.filter((s) => !countsForAvailability(s.kind));
  const hygieneMetrics = hygieneCheckMetrics(registry, reputation, vantage);
  outboxMetrics(registry, state, () => clock.now());
  const deps = runDeps(config, vantage, clock, opts.kinds);
  const results = new ResultLog(log, config.thresholds.consecutiveFailures);
  // sender-auth results come from the sink's arrivals (probes/hygiene/at-sink.ts), not the timetable
  const checks: ScheduledCheck[] = services
    .filter((s) => !EVENT_KINDS.has(s.kind))
    .map((service) => ({
      service,
      intervalMs: service.interval ?? config.agent.interval,
      timeoutMs: service.timeout ?? config.agent.timeout,
    }));
  for (const { service, intervalMs } of checks) {
    if (service.kind !== "pop3") continue;
    const { username } = config.accounts[service.account]!;
    loginSlot(service.host, service.port, username).plan(`check ${service.name}`, intervalMs, log);
  }
  const scheduler = new Scheduler({
    checks,
    concurrency: config.agent.concurrency,
    jitter: config.agent.jitter,
    clock,
    run: (check, signal) => runCheck(check.service, check.timeoutMs, deps, signal),
    onResult: record,
    onError: (err) => log.error({ err }, "a result could not be handed on"),
  });
  function record(result: ProbeResult): void {
    (countsForAvailability(result.kind) ? metrics : hygieneMetrics).observe(result);
    results.check(result);
    state.outbox.add("check", result);
    for (const sink of opts.sinks ?? []) sink(result);
  }
  const onSinkMessage = senderAuthAtSink({
    ...{ services, deps, timeoutMs: config.agent.timeout },
    ...{ record, log, registry },
  });

  const deliveries =
    deliveriesFor(config.deliveries, vantage).length > 0
      ? await startDeliveries({
          ...{ config, vantage, state, log, registry, clock },
          ...(onSinkMessage ? { onSinkMessage } : {}),
        })
      : undefined;
  const push = startPusherIfConfigured(config, vantage, state, log, clock);
  const listen = opts.listen ?? config.agent.listen;
  const http = listen === false ? undefined : await serveMetrics(registry, listen);
  scheduler.start();
  let stopping: Promise<void> | undefined;
  log.info(
    { vantage, services: services.map((s) => s.name), metrics: http?.url, collector: config.collector?.url },
    "probe agent started",
  );

  return {
    url: http?.url,
    registry,
    state,
    deliveries,
    pusher: push.pusher,
    stop(stopOpts) {
      // once: a later call with `abort` only cuts the running checks short of the stop under way
      if (stopOpts?.abort) void scheduler.stop({ abort: true });
      stopping ??= (async () => {
        await scheduler.stop(stopOpts);
        await deliveries?.stop();
        await push.stop();
        await http?.server.close();
        state.close();
        log.info({ vantage }, "probe agent stopped");
      })();
      return stopping;
    },
  };
}

/**
 * Pushes the outbox to the collector when there is one to push to. Without a collector, results
 * stay on /metrics only and the outbox is trimmed so the state file cannot grow without bound.
 */
function startPusherIfConfigured(
  config: Readonly<Config>,
  vantage: string,
  state: AgentState,
  log: Logger,
  clock: Clock,
): { pusher?: Pusher; stop(): Promise<void> } {
  const token = config.agent.token ?? config.collector?.agentTokens[vantage];
  if (config.collector && token) {
    const pusher = startPusher({ state, url: config.collector.urls, token, log, clock });
    return { pusher, stop: () => pusher.stop() };
  }
  if (config.collector)
    log.warn({ vantage }, "no agent.token for this vantage point: results are not pushed");
  const trim = () => state.outbox.keepAtMost(UNPUSHED_LIMIT);
  trim();
  const timer = setInterval(trim, 60_000);
  return { stop: async () => clearInterval(timer) };
}

/** Results kept in the outbox when no collector is configured (about a week of a typical agent). */
const UNPUSHED_LIMIT = 100_000;
