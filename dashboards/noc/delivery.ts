import * as common from "@grafana/grafana-foundation-sdk/common";
import { INDICATORS } from "../../contract/indicators.js";
import { prom, promInstant, steps, type Row } from "../common.js";
import { byDirection, delayAgeThresholds, delayClauses, targetThresholds } from "../indicator-fields.js";
import { graphPanel, statPanel } from "../panels.js";

/**
 * NOC row "Delivery now": how long does delivery take right now (7.1.8 sending, 7.1.9 receiving),
 * and is anything stuck? Read from the agents' probe histogram and in-flight gauges, so a message
 * stuck for three hours shows at three hours, not when it finally lands.
 */

/** The rolling window of the average: the one the MailslaDeliveryDelayHigh alert uses. */
const WINDOW = "1h";

/** `le` of the bucket at the average target; Prometheus 3 writes a scraped "600" as "600.0". */
const AVERAGE_BUCKET = `le=~"${INDICATORS.sendDelayAverage.target}(\\\\.0)?"`;

/** The row. */
export function deliveryRow(): Row {
  const avg = delayClauses("average");
  const max = delayClauses("maximum");
  const average = INDICATORS.sendDelayAverage;
  const lossClause = INDICATORS.lossRate.clause;
  return {
    title: `Delivery now (${avg})`,
    panels: [
      byDirection(
        statPanel({
          title: `Oldest message in flight (${max}: maximum ≤ ${INDICATORS.sendDelayMaximum.target / 3600} h)`,
          description:
            "Age of the oldest probe message taken over by the operator and not arrived yet, by direction: the running lower " +
            `bound of the month's maximum delay. Amber past the average target, red past the maximum (SPEC ${max}).`,
          span: 6,
          height: 4,
        })
          .unit("s")
          .thresholds(steps("green")),
        delayAgeThresholds,
      ).withTarget(
        promInstant("max by (direction) (mailsla_delivery_inflight_oldest_age_seconds)", "{{direction}}"),
      ),
      statPanel({
        title: "Probe messages in flight",
        description: "Probe messages taken over by the operator and not arrived yet, by direction.",
        span: 6,
        height: 4,
      })
        .colorMode(common.BigValueColorMode.None)
        .withTarget(promInstant("sum by (direction) (mailsla_delivery_inflight_messages)", "{{direction}}")),
      statPanel({
        title: `Delivered within ${average.target / 60} min, last ${WINDOW} (${avg})`,
        description: `Share of the probe messages delivered in the last ${WINDOW} whose delay was within the average target of ${average.target} s (the histogram has a bucket at exactly that bound).`,
        span: 6,
        height: 4,
      })
        .unit("percentunit")
        .colorMode(common.BigValueColorMode.None)
        .withTarget(
          promInstant(
            `sum by (direction) (increase(mailsla_delivery_delay_seconds_bucket{${AVERAGE_BUCKET}}[${WINDOW}]))
/ sum by (direction) (increase(mailsla_delivery_delay_seconds_count[${WINDOW}]))`,
            "{{direction}}",
          ),
        ),
      statPanel({
        title: `Lost and spam-foldered probe messages, 24 h (${lossClause})`,
        description: `Probe messages not arrived within the loss timeout (SPEC ${lossClause} ${INDICATORS.lossRate.title}, reported) and those found in the Junk folder, last 24 h.`,
        span: 6,
        height: 4,
      })
        .thresholds(steps("green", [1, "red"]))
        .withTarget(
          promInstant(
            "sum by (direction) (increase(mailsla_delivery_lost_total[24h]))",
            "lost {{direction}}",
          ),
        )
        .withTarget(
          promInstant(
            "sum by (direction) (increase(mailsla_delivery_spam_total[24h]))",
            "spam {{direction}}",
          ),
        ),
      byDirection(
        graphPanel({
          title: `Delivery delay, ${WINDOW} rolling average (${avg}: average ≤ ${average.target} s)`,
          description:
            `Average delay of probe messages delivered in the last ${WINDOW}, by direction: send (SPEC ${INDICATORS.sendDelayAverage.clause}, ` +
            `operator's 250 to the sink), receive (SPEC ${INDICATORS.receiveDelayAverage.clause}, MX 250 to visible in the mailbox), ` +
            "roundtrip (submit to visible: what a user sees). Dashed lines: the targets.",
          span: 24,
        })
          .unit("s")
          .thresholds(steps("green")),
        (keys) => targetThresholds(keys.average),
      ).withTarget(
        prom(
          `sum by (direction) (rate(mailsla_delivery_delay_seconds_sum[${WINDOW}]))
/ sum by (direction) (rate(mailsla_delivery_delay_seconds_count[${WINDOW}]))`,
          "{{direction}}",
        ),
      ),
    ],
  };
}
