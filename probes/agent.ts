import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.js";
import type { ServiceConfig } from "../config/services.js";
import { systemClock, type Clock } from "./clock.js";
import { KINDS } from "./kinds/index.js";
import type { Credentials } from "./kinds/kind.js";
import type { Logger } from "./log.js";
import { createAgentMetrics, createProcessRegistry } from "./metrics.js";
import type { ProbeResult } from "./result.js";
import { runCheck, type KindRegistry } from "./run-check.js";
import { Scheduler, type ScheduledCheck } from "./scheduler.js";

/** Everything an agent needs from its caller: the configuration, who it is, where results go. */
export interface AgentOptions {
  config: Readonly<Config>;
  /** This agent's vantage point; must be one of `config.vantagePoints`. */
  vantage: string;
  log: Logger;
  clock?: Clock;
  kinds?: KindRegistry;
  /** Extra consumers of results (the collector's spool, later); each called once per result. */
  sinks?: ((result: ProbeResult) => void)[];
  /** Overrides `config.agent.listen` (e.g. port 0 in tests); `false` serves no HTTP. */
  listen?: string | false;
}

/** A running probe agent. */
export interface Agent {
  /** Where /metrics is served, e.g. http://127.0.0.1:9469 (undefined when not listening). */
  url: string | undefined;
  registry: Registry;
  /** Stops scheduling, lets running checks finish (or aborts them), closes the HTTP server. */
  stop(opts?: { abort?: boolean }): Promise<void>;
}

/** The services this vantage point checks: all, or those that name it in `vantagePoints`. */
export function servicesFor(config: Readonly<Config>, vantage: string): ServiceConfig[] {
  return config.services.filter((s) => !s.vantagePoints || s.vantagePoints.includes(vantage));
}

/**
 * Starts a probe agent: schedules every service's check, exports results on /metrics and hands
 * them to the sinks. The wiring lives here; the checks, the timetable and the metrics are each
 * their own module.
 */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const { config, vantage, log } = opts;
  if (!config.vantagePoints.some((v) => v.name === vantage)) {
    const known = config.vantagePoints.map((v) => v.name).join(", ");
    throw new Error(`unknown vantage point "${vantage}": the configuration lists ${known}`);
  }
  const clock = opts.clock ?? systemClock;
  const services = servicesFor(config, vantage);
  const registry = createProcessRegistry("mailsla_agent_");
  const metrics = createAgentMetrics(registry, services, vantage);
  const accounts: Record<string, Credentials> = { ...config.accounts };
  const deps = {
    kinds: opts.kinds ?? KINDS,
    clock,
    vantage,
    accounts,
    ehloName: `mailsla-${vantage}.invalid`,
  };
  const checks: ScheduledCheck[] = services.map((service) => ({
    service,
    intervalMs: service.interval ?? config.agent.interval,
    timeoutMs: service.timeout ?? config.agent.timeout,
  }));
  const scheduler = new Scheduler({
    checks,
    concurrency: config.agent.concurrency,
    jitter: config.agent.jitter,
    clock,
    run: (check, signal) => runCheck(check.service, check.timeoutMs, deps, signal),
    onResult(result) {
      metrics.observe(result);
      logResult(log, result);
      for (const sink of opts.sinks ?? []) sink(result);
    },
    onError: (err) => log.error({ err }, "a result could not be handed on"),
  });

  const listen = opts.listen ?? config.agent.listen;
  const http = listen === false ? undefined : await serveMetrics(registry, listen);
  scheduler.start();
  log.info({ vantage, services: services.map((s) => s.name), metrics: http?.url }, "probe agent started");

  return {
    url: http?.url,
    registry,
    async stop(stopOpts) {
      await scheduler.stop(stopOpts);
      await http?.server.close();
      log.info({ vantage }, "probe agent stopped");
    },
  };
}

function logResult(log: Logger, r: ProbeResult): void {
  const fields = { service: r.check, kind: r.kind, seconds: Number(r.durationSeconds.toFixed(3)) };
  if (r.ok) log.info(fields, "check passed");
  else log.warn({ ...fields, ...r.error }, "check failed");
}

async function serveMetrics(
  registry: Registry,
  listen: string,
): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({ logger: false });
  server.get("/metrics", async (_req, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  server.get("/healthz", async () => ({ ok: true }));
  const i = listen.lastIndexOf(":");
  const url = await server.listen({ host: listen.slice(0, i), port: Number(listen.slice(i + 1)) });
  return { server, url };
}
