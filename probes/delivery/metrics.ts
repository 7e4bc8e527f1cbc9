import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Delivery } from "../../config/delivery.js";
import { describeIndicator, INDICATORS } from "../../contract/indicators.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";

/**
 * Delay histogram bounds, seconds. They include the targets of 7.1.8 and 7.1.9 exactly (average
 * 600 s, maximum 10,800 s, read from indicators.ts), so "share under 10 min / under 3 h" is a bucket,
 * never an interpolation.
 */
export const DELAY_BUCKETS: readonly number[] = [
  ...new Set([
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    120,
    300,
    INDICATORS.sendDelayAverage.target,
    INDICATORS.receiveDelayAverage.target,
    1800,
    3600,
    7200,
    INDICATORS.sendDelayMaximum.target,
    INDICATORS.receiveDelayMaximum.target,
    21_600,
  ]),
].sort((a, b) => a - b);

/** The oldest in-flight message per delivery, computed when Prometheus scrapes. */
export interface InFlightAges {
  /** Age in seconds of the oldest message in flight and the number in flight, by delivery name. */
  (): Map<string, { oldestSeconds: number; count: number }>;
}

/** The delivery metrics an agent exports; observe() is called once per result, after it is committed. */
export interface DeliveryMetrics {
  /** A message was taken over by the operator (the denominator of the loss rate, 7.1.12). */
  sent(delivery: Delivery): void;
  /** One result: delay histogram for delivered messages, counters for spam, lost and send-failed. */
  observe(result: DeliveryResult): void;
}

const CLAUSES = `${describeIndicator("sendDelayAverage")}; ${describeIndicator("sendDelayMaximum")}; ${describeIndicator("receiveDelayAverage")}; ${describeIndicator("receiveDelayMaximum")}`;

/**
 * Registers the delivery metrics on the caller's registry (never the global one). Every configured
 * delivery's series exist from the start, and the in-flight age is computed at scrape time from the
 * state file, so a message stuck for 3 hours shows as 3 hours old at 3 hours, not when it lands.
 */
export function createDeliveryMetrics(
  registry: Registry,
  deliveries: readonly Delivery[],
  vantage: string,
  ages: InFlightAges,
): DeliveryMetrics {
  const labelNames = ["delivery", "direction", "vantage"] as const;
  const on = { registers: [registry] };
  const delay = new Histogram({
    name: "mailsla_delivery_delay_seconds",
    help: `Delay of delivered probe messages from the operator's 250 to DATA to arrival (send: relay to the sink; receive, roundtrip: visible in the mailbox): ${CLAUSES}`,
    labelNames,
    buckets: [...DELAY_BUCKETS],
    ...on,
  });
  const bound = new Gauge({
    name: "mailsla_delivery_error_bound_seconds",
    help: "Error bound of the latest delivered probe's delay (arrival detection lag, poll gap, wall clock)",
    labelNames,
    ...on,
  });
  const sent = new Counter({
    name: "mailsla_delivery_sent_total",
    help: `Probe messages taken over by the operator (250 to DATA): the denominator of ${describeIndicator("lossRate")}`,
    labelNames,
    ...on,
  });
  const lost = new Counter({
    name: "mailsla_delivery_lost_total",
    help: `Probe messages not arrived within the loss timeout: ${describeIndicator("lossRate")}`,
    labelNames,
    ...on,
  });
  const spam = new Counter({
    name: "mailsla_delivery_spam_total",
    help: "Probe messages found in the Junk/Spam folder instead of the inbox",
    labelNames,
    ...on,
  });
  const failed = new Counter({
    name: "mailsla_delivery_send_failures_total",
    help: "Probe messages the operator did not take over, by closed error code and protocol stage",
    labelNames: [...labelNames, "code", "stage"],
    ...on,
  });
  const labelsOf = (d: { name: string; direction: string }) => ({
    delivery: d.name,
    direction: d.direction,
    vantage,
  });
  const directionOf = new Map(deliveries.map((d) => [d.name, d.direction]));
  inFlightGauges(registry, labelNames, deliveries.map(labelsOf), ages);
  for (const d of deliveries) {
    for (const c of [sent, lost, spam]) c.inc(labelsOf(d), 0);
  }
  return {
    sent: (d) => sent.inc(labelsOf(d)),
    observe(r) {
      const labels = labelsOf({ name: r.delivery, direction: directionOf.get(r.delivery) ?? r.direction });
      if (r.outcome === "delivered") {
        delay.observe(labels, r.delaySeconds ?? 0);
        bound.set(labels, r.errorBoundSeconds ?? 0);
      } else if (r.outcome === "spam") spam.inc(labels);
      else if (r.outcome === "lost") lost.inc(labels);
      else if (r.error) failed.inc({ ...labels, code: r.error.code, stage: r.error.stage });
    },
  };
}

/** The two gauges read from the state file at scrape time (each reads it: a scrape may ask for one alone). */
function inFlightGauges(
  registry: Registry,
  labelNames: readonly ["delivery", "direction", "vantage"],
  series: { delivery: string; direction: string; vantage: string }[],
  ages: InFlightAges,
): void {
  new Gauge({
    name: "mailsla_delivery_inflight_oldest_age_seconds",
    help: `Age of the oldest probe message taken over and not arrived yet (0 when none): the running lower bound of the maximum delay, ${describeIndicator("sendDelayMaximum")}; ${describeIndicator("receiveDelayMaximum")}`,
    labelNames,
    registers: [registry],
    collect() {
      const now = ages();
      for (const s of series) this.set(s, now.get(s.delivery)?.oldestSeconds ?? 0);
    },
  });
  new Gauge({
    name: "mailsla_delivery_inflight_messages",
    help: "Probe messages taken over and not arrived yet",
    labelNames,
    registers: [registry],
    collect() {
      const now = ages();
      for (const s of series) this.set(s, now.get(s.delivery)?.count ?? 0);
    },
  });
}
