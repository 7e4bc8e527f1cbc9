import { PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { INDICATORS } from "../../contract/indicators.js";
import { prom, promTable, steps, type Row } from "../common.js";
import { byDirection, delayAgeThresholds, delayClauses, targetThresholds } from "../indicator-fields.js";
import { graphPanel, heatmapPanel, tablePanel } from "../panels.js";

/**
 * Probe-detail row "Delivery probes": per vantage point and delivery, how delays are distributed
 * (the histogram's buckets include 7.1.8's and 7.1.9's 600 s and 10,800 s exactly), what is stuck
 * in flight, and what was lost or refused and why.
 */

const FILTER = 'vantage=~"$vantage", delivery=~"$delivery"';

/** The row. */
export function deliveryRow(): Row {
  const avg = INDICATORS.sendDelayAverage.target;
  const max = INDICATORS.sendDelayMaximum.target;
  return {
    title: `Delivery probes (${delayClauses("average")}, ${INDICATORS.lossRate.clause})`,
    panels: [
      heatmapPanel(
        {
          title: `Delivery delay distribution (buckets at ${avg} s and ${max} s: ${delayClauses("maximum")})`,
          description: `Delivered probe messages per interval in each delay bucket of mailsla_delivery_delay_seconds. The buckets include the targets of SPEC ${delayClauses("average")} exactly (average ≤ ${avg} s, maximum ≤ ${max} s), so "within target" is a bucket, never an interpolation.`,
          span: 24,
        },
        "s",
      ).withTarget(
        prom(
          `sum by (le) (increase(mailsla_delivery_delay_seconds_bucket{${FILTER}}[$__rate_interval]))`,
          "{{le}}",
        ).format(PromQueryFormat.Heatmap),
      ),
      byDirection(
        graphPanel({
          title: `Delivery delay, average per delivery (${delayClauses("average")})`,
          description:
            "Average delay of the probe messages delivered per interval, per delivery and direction. Dashed: the target.",
          span: 12,
        })
          .unit("s")
          .thresholds(steps("green")),
        (keys) => targetThresholds(keys.average),
        "prefix",
      ).withTarget(
        prom(
          `sum by (direction, delivery) (rate(mailsla_delivery_delay_seconds_sum{${FILTER}}[$__rate_interval]))
/ sum by (direction, delivery) (rate(mailsla_delivery_delay_seconds_count{${FILTER}}[$__rate_interval]))`,
          "{{direction}} {{delivery}}",
        ),
      ),
      byDirection(
        graphPanel({
          title: `Oldest message in flight per delivery (${delayClauses("maximum")})`,
          description:
            "Age of the oldest probe message taken over and not arrived yet: a stuck message shows while it is stuck.",
          span: 12,
        })
          .unit("s")
          .thresholds(steps("green")),
        delayAgeThresholds,
        "prefix",
      ).withTarget(
        prom(
          `max by (direction, delivery) (mailsla_delivery_inflight_oldest_age_seconds{${FILTER}})`,
          "{{direction}} {{delivery}}",
        ),
      ),
      tablePanel({
        title: `Probe messages in the range: sent, lost, spam (${INDICATORS.lossRate.clause})`,
        description: `Per vantage point and delivery over the dashboard's range: taken over by the operator, lost (SPEC ${INDICATORS.lossRate.clause}), found in Junk.`,
        span: 12,
      })
        .withTransformation({ id: "merge", options: {} })
        .withTransformation({
          id: "organize",
          options: { renameByName: { "Value #A": "sent", "Value #B": "lost", "Value #C": "spam" } },
        })
        .withTarget(
          promTable(
            `sum by (vantage, delivery) (increase(mailsla_delivery_sent_total{${FILTER}}[$__range]))`,
          ),
        )
        .withTarget(
          promTable(
            `sum by (vantage, delivery) (increase(mailsla_delivery_lost_total{${FILTER}}[$__range]))`,
          ),
        )
        .withTarget(
          promTable(
            `sum by (vantage, delivery) (increase(mailsla_delivery_spam_total{${FILTER}}[$__range]))`,
          ),
        ),
      tablePanel({
        title: "Probe messages the operator refused, by code and stage",
        description:
          "Sends that failed before the operator's 250 to DATA, by closed error code and protocol stage, over the range.",
        span: 12,
      }).withTarget(
        promTable(
          `sum by (vantage, delivery, code, stage) (increase(mailsla_delivery_send_failures_total{${FILTER}}[$__range])) > 0`,
        ),
      ),
    ],
  };
}
