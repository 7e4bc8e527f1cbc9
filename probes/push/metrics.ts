import { Gauge, type Registry } from "prom-client";
import type { AgentState } from "../state/agent-state.js";
import { DeadLetters } from "./dead-letter.js";

/**
 * What waits in the agent's state, on /metrics: the outbox (results not yet acknowledged by the
 * collector), the dead letters (results the collector refused, kept for inspection) and how long the
 * oldest waiting result has waited. A growing outbox or an old oldest record means the collector is
 * unreachable or refusing; the MailslaAgentOutboxGrowing rule pages on it (alerts/).
 */
export function outboxMetrics(registry: Registry, state: AgentState, now: () => number): void {
  const dead = new DeadLetters(state);
  new Gauge({
    name: "mailsla_agent_outbox_records",
    help: "Results waiting in the agent's outbox for the collector to acknowledge",
    registers: [registry],
    collect() {
      this.set(state.outbox.size());
    },
  });
  new Gauge({
    name: "mailsla_agent_dead_letter_records",
    help: "Results the collector refused (400/403), kept in the agent's dead_letter table",
    registers: [registry],
    collect() {
      this.set(dead.count());
    },
  });
  new Gauge({
    name: "mailsla_agent_outbox_oldest_age_seconds",
    help: "How long the oldest result in the outbox has waited (0: the outbox is empty)",
    registers: [registry],
    collect() {
      const at = state.outbox.oldestQueuedAt();
      this.set(at === undefined ? 0 : Math.max(0, (now() - at) / 1000));
    },
  });
}
