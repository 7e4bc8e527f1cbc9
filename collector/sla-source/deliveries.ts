import type { DeliveryDirection } from "../../config/delivery.js";
import type { DeliveryResult, Outcome } from "../../contract/delivery-result.js";
import type { DelaySample, InFlightMessage, LostMessage } from "../sla/delivery.js";

/**
 * Delivery results (contract/delivery-result.ts) as the engine counts them for 7.1.8, 7.1.9 and
 * 7.1.12. The agent resolves every probe message to one outcome; the collector only sees resolved
 * ones, so the mapping is a plain function of the stored results (docs/collector.md, "The SLA
 * wiring", lists the decisions):
 *
 * - `delivered` is a delay sample with its error bound;
 * - `spam` is a delay sample too: the message reached the mailbox (its Junk folder), where 7.1.9
 *   says the recipient "can access it", so it is neither lost (7.1.12) nor left out of the delay;
 *   it is counted apart as `spam`, so a filter that junks legitimate mail is still visible;
 * - `lost` is a lost message (7.1.12), never a delay sample;
 * - `send-failed` was never taken over by the operator, so no clock of 7.1.8/7.1.9/7.1.12 started:
 *   counted apart only (the refusal itself is a failed submission check);
 * - `roundtrip` probes measure what a customer sees but belong to no clause: counted apart only.
 *
 * In-flight messages exist only in the agent (its `mailsla_delivery_inflight_oldest_age_seconds`);
 * the ledger learns of a message when it lands or is given up, and its month is then recomputed.
 */

/** Outcomes by direction: what the report shows beside the engine's figures. */
export type OutcomeCounts = Record<DeliveryDirection, Record<Outcome, number>>;

/** The engine's delivery input and the counts behind it. */
export interface DeliveryInput {
  readonly delays: DelaySample[];
  /** Always empty: the ledger holds resolved messages only (see the module comment). */
  readonly inFlight: InFlightMessage[];
  readonly lost: LostMessage[];
  readonly outcomes: OutcomeCounts;
}

const zero = (): Record<Outcome, number> => ({ delivered: 0, spam: 0, lost: 0, "send-failed": 0 });

/** Maps stored delivery results (taken over in the period) to the engine's samples. */
export function deliveryInput(results: Iterable<DeliveryResult>): DeliveryInput {
  const delays: DelaySample[] = [];
  const lost: LostMessage[] = [];
  const outcomes: OutcomeCounts = { send: zero(), receive: zero(), roundtrip: zero() };
  for (const r of results) {
    outcomes[r.direction][r.outcome]++;
    if (r.direction === "roundtrip") continue;
    if (r.outcome === "delivered" || r.outcome === "spam") {
      delays.push({
        direction: r.direction,
        at: r.sentAt,
        seconds: r.delaySeconds ?? 0,
        boundSeconds: r.errorBoundSeconds ?? 0,
      });
    } else if (r.outcome === "lost") {
      lost.push({ direction: r.direction, sentAt: r.sentAt });
    }
  }
  return { delays, inFlight: [], lost, outcomes };
}
