import type { Registry } from "prom-client";
import type { ServiceConfig, ServiceOf } from "../../config/services.js";
import type { Logger } from "../../contract/log.js";
import type { ProbeResult } from "../../contract/result.js";
import type { SinkReceived } from "../delivery/sink.js";
import { runCheck, type RunDeps } from "../run-check.js";
import { hygieneDns, type HygieneDns } from "./dns.js";
import { senderAuthMetrics } from "./metrics.js";
import { senderAuthCheck } from "./sender-auth.js";
import { noteSinkPeer } from "./sink-peers.js";

/**
 * Wires the sender-authentication check to the sink: each probe message the operator's MTA delivers
 * is judged once per `sender-auth` service of this vantage point, through the check runner, so its
 * result has the same shape, timeout, metrics and outbox path as a scheduled check's.
 */

/** What {@link senderAuthAtSink} needs from the agent. */
export interface AtSinkOptions {
  services: readonly ServiceConfig[];
  deps: RunDeps;
  /** The agent's default check timeout (ms), for services without their own. */
  timeoutMs: number;
  /** Where a result goes: the agent's metrics, result log and outbox, as for scheduled checks. */
  record(result: ProbeResult): void;
  log: Logger;
  /** The agent's registry, for the per-aspect metrics (probes/hygiene/metrics.ts). */
  registry?: Registry;
}

/**
 * The sink's onMessage handler, or undefined when this vantage point needs none: it judges each
 * message for every sender-auth service and notes the connecting IP for dnsbl services with
 * `sinkPeers` (probes/hygiene/sink-peers.ts).
 */
export function senderAuthAtSink(o: AtSinkOptions): ((m: SinkReceived) => void) | undefined {
  const services = o.services.filter((s): s is ServiceOf<"sender-auth"> => s.kind === "sender-auth");
  const peers = o.services.some((s) => s.kind === "dnsbl" && s.sinkPeers);
  if (services.length === 0 && !peers) return undefined;
  const dnsOf = new Map<string, HygieneDns>(services.map((s) => [s.name, hygieneDns(s.dns)]));
  const mta = o.deps.ehloName;
  const metrics = o.registry ? senderAuthMetrics(o.registry, o.deps.vantage) : undefined;
  return (m) => {
    if (peers) noteSinkPeer(m.ip, o.deps.clock.now());
    for (const service of services) {
      const kinds = new Map([["sender-auth", senderAuthCheck(m, dnsOf.get(service.name)!, mta, metrics)]]);
      runCheck(service, service.timeout ?? o.timeoutMs, { ...o.deps, kinds })
        .then(o.record)
        .catch((err: unknown) => o.log.error({ err, service: service.name }, "sender-auth result lost"));
    }
  };
}
