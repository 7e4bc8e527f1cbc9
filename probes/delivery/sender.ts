import type { Delivery } from "../../config/delivery.js";
import type { Config } from "../../config/schema.js";
import type { ServiceOf } from "../../config/services.js";
import type { Clock } from "../../contract/clock.js";
import type { HostLimits } from "../net/host-limits.js";
import type { Outbox } from "../state/agent-state.js";
import type { Arrivals } from "./arrivals.js";
import type { InFlight, Instant } from "./inflight.js";
import { buildProbeMessage, newToken } from "./message.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import { sendFailedResult } from "./result.js";
import { handOver, HandOverError } from "./send.js";
import type { SmtpPool } from "./smtp-pool.js";

/**
 * One probe message from token to in-flight row: where it goes and as whom (per direction), the
 * hand-over, and the bookkeeping around it (row before DATA, confirmation at the 250, a send-failed
 * result otherwise). Kept apart from the runner so each reads on one screen.
 */

/** What one send came to: taken over at `at` (the 250; in flight now) or failed (its result is in the outbox). */
export type SendOutcome =
  { token: string; at: Instant; queueId?: string } | { token: string; failed: DeliveryResult };

/** What sending needs from the runner. */
export interface SendContext {
  config: Readonly<Config>;
  vantage: string;
  /** This agent's sink domain, when it has one. */
  domain: string | undefined;
  clock: Clock;
  inflight: InFlight;
  arrivals: Arrivals;
  outbox: Outbox;
  /** Agent shutdown: a send cut short by it leaves no result (the next start drops its row). */
  signal: AbortSignal;
  /** Tells the mailbox's watcher a message is coming. */
  expect(mailbox: string): void;
  /** Counts a message taken over. */
  sent(delivery: Delivery): void;
  /** Hands a committed result to metrics, log and listeners. */
  publish(result: DeliveryResult): void;
  /** Per-host session and login limits and back-off (config `agent.hostLimits`). */
  limits?: HostLimits;
  /** SMTP sessions kept open between probe messages (probes/delivery/smtp-pool.ts). */
  pool?: SmtpPool;
}

/** Sends one probe message of a delivery; never throws for a refused or broken hand-over. */
export async function sendProbe(d: Delivery, c: SendContext): Promise<SendOutcome> {
  const token = newToken();
  const m = { token, delivery: d.name, direction: d.direction, vantage: c.vantage };
  const { service, account, from, to } = route(c.config, d, token, c.domain);
  const startedWall = c.clock.now();
  const message = buildProbeMessage({ ...m, from, to, date: startedWall });
  try {
    const accepted = await handOver({
      ...{ service, account, from, to, message, clock: c.clock, signal: c.signal },
      timeoutMs: d.timeout,
      limits: c.limits,
      pool: c.pool,
      ehloName: service.ehloName ?? c.domain ?? `mailsla-${c.vantage}.invalid`,
      beforeData() {
        c.inflight.begin({ ...m, lossTimeoutMs: d.lossTimeout, mailbox: d.mailbox }, startedWall);
        if (d.mailbox) c.expect(d.mailbox);
      },
    });
    c.inflight.confirm(token, accepted.at, accepted.queueId);
    c.sent(d);
    c.arrivals.confirmed(token);
    return { token, at: accepted.at, ...(accepted.queueId ? { queueId: accepted.queueId } : {}) };
  } catch (err) {
    if (!(err instanceof HandOverError)) throw err;
    c.arrivals.forget(token);
    const result = sendFailedResult(m, startedWall, err.failure);
    if (c.signal.aborted) return { token, failed: result };
    if (err.begun) c.inflight.abandon(token, result);
    else c.outbox.add("delivery", result);
    c.publish(result);
    return { token, failed: result };
  }
}

/**
 * Where one delivery's message goes and as whom: send and roundtrip submit as the submission
 * service's account (to the sink address, or to the mailbox); receive comes from `from` (default
 * mailsla@<sink domain>) straight to the MX.
 */
function route(config: Readonly<Config>, d: Delivery, token: string, domain: string | undefined) {
  const service = config.services.find((s) => s.name === d.via) as
    ServiceOf<"submission"> | ServiceOf<"smtp">;
  const box = config.services.find((s) => s.name === d.mailbox) as ServiceOf<"imap" | "pop3"> | undefined;
  const account = service.kind === "submission" ? config.accounts[service.account] : undefined;
  const to =
    d.direction === "send" ? `${token}@${domain}` : (d.recipient ?? config.accounts[box!.account]!.username);
  const from =
    d.direction === "receive" ? (d.from ?? `mailsla@${domain ?? "mailsla.invalid"}`) : account!.username;
  return { service, account, from, to };
}
