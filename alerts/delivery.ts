import { INDICATORS, type IndicatorKey } from "../contract/indicators.js";
import type { AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule, type RuleGroup } from "./rule.js";

/**
 * Delivery delay (7.1.8 sending, 7.1.9 receiving), read from the agents' probe messages:
 * `mailsla_delivery_delay_seconds` (a histogram with buckets at exactly the two targets) and
 * `mailsla_delivery_inflight_oldest_age_seconds`. The average over the rolling hour above target
 * warns; any message delivered after, or still in flight past, the maximum pages, and an in-flight
 * message pages the moment it crosses the limit, not when it finally lands.
 */

interface DirectionTargets {
  readonly direction: "send" | "receive";
  readonly average: IndicatorKey & ("sendDelayAverage" | "receiveDelayAverage");
  readonly maximum: IndicatorKey & ("sendDelayMaximum" | "receiveDelayMaximum");
}

const DIRECTIONS: readonly DirectionTargets[] = [
  { direction: "send", average: "sendDelayAverage", maximum: "sendDelayMaximum" },
  { direction: "receive", average: "receiveDelayAverage", maximum: "receiveDelayMaximum" },
];

/** The rolling window of the average (the clauses say "average"; the NOC needs it per hour). */
const AVERAGE_WINDOW = "1h";

const minutes = (seconds: number) => `${num(seconds / 60)} min`;
const hours = (seconds: number) => `${num(seconds / 3600)} h`;

/**
 * The average over the rolling hour, once Prometheus has that hour: a series it already had an hour
 * ago (`offset`) says the window is covered. A Prometheus started ten minutes ago would otherwise
 * average two probe messages and call it the hour.
 */
function averageHigh(o: AlertOptions, d: DirectionTargets): AlertRule {
  const i = INDICATORS[d.average];
  const sel = `{direction="${d.direction}"}`;
  return alertRule(o, {
    name: "MailslaDeliveryDelayHigh",
    expr: `
sum by (direction) (rate(mailsla_delivery_delay_seconds_sum${sel}[${AVERAGE_WINDOW}]))
/
sum by (direction) (rate(mailsla_delivery_delay_seconds_count${sel}[${AVERAGE_WINDOW}]))
> ${num(i.target)}
and on (direction)
sum by (direction) (mailsla_delivery_delay_seconds_count${sel} offset ${AVERAGE_WINDOW})`,
    forMs: 5 * 60_000,
    severity: "warning",
    clause: i.clause,
    summary: `${i.title} {{ $value | humanizeDuration }} over the last ${AVERAGE_WINDOW} (SPEC ${i.clause} ${i.comparison} ${minutes(i.target)})`,
    description:
      `Probe messages (direction ${d.direction}) delivered in the last ${AVERAGE_WINDOW} took {{ $value | humanizeDuration }} ` +
      `on average; SPEC ${i.clause} ${i.title} ${i.comparison} ${minutes(i.target)}. Mail is slow but moving.`,
  });
}

function deliveredLate(o: AlertOptions, d: DirectionTargets): AlertRule {
  const i = INDICATORS[d.maximum];
  const sel = `direction="${d.direction}"`;
  // Prometheus 3 writes the scraped le="10800" as "10800.0": match both.
  const le = `le=~"${num(i.target)}(\\\\.0)?"`;
  return alertRule(o, {
    name: "MailslaDeliveryPastMaximum",
    expr: `
sum by (delivery, direction, vantage) (
  increase(mailsla_delivery_delay_seconds_count{${sel}}[1h])
  - ignoring (le)
  increase(mailsla_delivery_delay_seconds_bucket{${sel},${le}}[1h])
) > 0`,
    severity: "page",
    clause: i.clause,
    summary: `Probe mail took longer than ${hours(i.target)} to deliver via {{ $labels.delivery }} (SPEC ${i.clause})`,
    description:
      `About {{ $value | humanize }} probe message(s) of {{ $labels.delivery }} (direction ${d.direction}, from ` +
      `{{ $labels.vantage }}) arrived in the last hour after more than ${hours(i.target)}: SPEC ${i.clause} ${i.title} ` +
      `${i.comparison} ${hours(i.target)}. This month's maximum fails.`,
  });
}

function stuck(o: AlertOptions, d: DirectionTargets): AlertRule {
  const i = INDICATORS[d.maximum];
  return alertRule(o, {
    name: "MailslaDeliveryStuck",
    expr: `
max by (delivery, direction, vantage) (
  mailsla_delivery_inflight_oldest_age_seconds{direction="${d.direction}"}
) > ${num(i.target)}`,
    severity: "page",
    clause: i.clause,
    summary: `Probe mail via {{ $labels.delivery }} in flight for {{ $value | humanizeDuration }} (SPEC ${i.clause} ${i.comparison} ${hours(i.target)})`,
    description:
      `The oldest undelivered probe message of {{ $labels.delivery }} (direction ${d.direction}, from {{ $labels.vantage }}) ` +
      `was taken over {{ $value | humanizeDuration }} ago and has not arrived: past SPEC ${i.clause} ${i.title} ` +
      `${i.comparison} ${hours(i.target)}. Mail is stuck somewhere between the operator's MTA and the mailbox.`,
  });
}

/** Rules of 7.1.8 and 7.1.9, one per direction each. */
export function deliveryRules(o: AlertOptions): RuleGroup {
  return {
    name: "mailsla-delivery",
    rules: DIRECTIONS.flatMap((d) => [averageHigh(o, d), deliveredLate(o, d), stuck(o, d)]),
  };
}
