import { Counter, Gauge, type Registry } from "prom-client";
import { SENDER_AUTH_ASPECTS, type SenderAuthAspect } from "../../config/hygiene.js";

/**
 * Per-aspect metrics of the sender-authentication check: which of SPF, DKIM, DMARC, ARC, PTR and
 * HELO the latest judged message passed. The check's own result (mailsla_check_*) carries only the
 * first failing required aspect; these show every aspect, reported-only ones included. Labels are the
 * configured service, the vantage point and the closed aspect list: bounded.
 */
export interface SenderAuthMetrics {
  /** Records the aspects of one judged message; `failing` says which results fail an aspect. */
  observe(service: string, failing: (a: SenderAuthAspect) => boolean): void;
}

/** Registers the sender-auth metrics on the agent's registry. */
export function senderAuthMetrics(registry: Registry, vantage: string): SenderAuthMetrics {
  const pass = new Gauge({
    name: "mailsla_sender_auth_pass",
    help: "1 if the latest probe message judged at the sink passed this aspect (spf, dkim, dmarc, arc, ptr, helo), 0 if it failed",
    labelNames: ["service", "vantage", "aspect"] as const,
    registers: [registry],
  });
  const messages = new Counter({
    name: "mailsla_sender_auth_messages_total",
    help: "Probe messages of the operator's outbound mail judged at the sink",
    labelNames: ["service", "vantage"] as const,
    registers: [registry],
  });
  return {
    observe(service, failing) {
      messages.inc({ service, vantage });
      for (const aspect of SENDER_AUTH_ASPECTS)
        pass.set({ service, vantage, aspect }, failing(aspect) ? 0 : 1);
    },
  };
}
