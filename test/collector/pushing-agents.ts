/**
 * Agents as the fault tests run them: each a durable outbox filled by a producer every few
 * milliseconds and drained by the agent's own pusher, so what was produced can be counted id by id
 * against what the collector stored. Shared by the kill test and the replica fault test.
 */
import { join } from "node:path";
import { startPusher, type Pusher } from "../../probes/push/pusher.js";
import { openAgentState, type AgentState } from "../../probes/state/agent-state.js";
import type { ProbeResult } from "../../contract/result.js";
import { checkResult, TOKENS } from "./fixtures.js";

/** One agent and the ids it produced. */
export interface PushingAgent {
  readonly vantage: "a" | "b" | "c";
  readonly state: AgentState;
  readonly pusher: Pusher;
  readonly produced: Set<string>;
}

/** What the three agents push to and what they produce. */
export interface AgentsOptions {
  dir: string;
  /** The collector URLs of agent `i` (in the order it tries them). */
  urls: (i: number) => string | readonly string[];
  /** The fields of the next result (its time above all); called three times per tick per agent. */
  next: () => Partial<ProbeResult>;
  everyMs: number;
  maxRetryDelay?: number;
  requestTimeout?: number;
}

/** Three agents (a, b, c) producing and pushing until `stopProducing()`; `close()` stops the rest. */
export function startAgents(o: AgentsOptions): {
  agents: PushingAgent[];
  stopProducing(): void;
  /** Every produced id, all agents. */
  produced(): string[];
  close(): Promise<void>;
} {
  const silent = { info() {}, warn() {}, error() {} };
  const agents = (["a", "b", "c"] as const).map((vantage, i): PushingAgent => {
    const state = openAgentState(join(o.dir, `agent-${vantage}.sqlite`));
    const pusher = startPusher({
      state,
      url: o.urls(i),
      token: TOKENS[vantage],
      log: silent as never,
      batchSize: 40,
      minRetryDelay: 10,
      maxRetryDelay: o.maxRetryDelay ?? 150,
      pollInterval: 10,
      ...(o.requestTimeout ? { requestTimeout: o.requestTimeout } : {}),
    });
    return { vantage, state, pusher, produced: new Set<string>() };
  });
  const timers = agents.map((agent) =>
    setInterval(() => {
      agent.state.db.transaction(() => {
        for (let i = 0; i < 3; i++) {
          const r = checkResult(agent.vantage, o.next());
          agent.state.outbox.add("check", r);
          agent.produced.add(r.id);
        }
      })();
    }, o.everyMs),
  );
  const stopProducing = () => timers.forEach((t) => clearInterval(t));
  return {
    agents,
    stopProducing,
    produced: () => agents.flatMap((a) => [...a.produced]),
    async close() {
      stopProducing();
      for (const a of agents) {
        await a.pusher.stop();
        a.state.close();
      }
    },
  };
}
