import { prom, promTable, valueText, type Row } from "../common.js";
import { barsPanel, graphPanel, tablePanel, timelinePanel } from "../panels.js";

/**
 * Probe-detail row "Checks": per vantage point and check, what failed, how (the closed error code,
 * the label value of `mailsla_check_failures_total`) and where (the protocol stage). This is where
 * on-call goes after a page: which vantage points see the fault, and is it DNS, TLS, AUTH, a 4xx?
 */

/** The label filter of the dashboard's variables. */
export const CHECK_FILTER = 'vantage=~"$vantage", service=~"$service"';

/** The row. */
export function checksRow(): Row {
  return {
    title: "Checks per vantage point",
    panels: [
      timelinePanel(
        {
          title: "Latest check result per service and vantage point",
          description: "1 when the latest check passed, 0 when it failed (mailsla_check_success).",
          span: 24,
        },
        valueText({ "0": { text: "fail", color: "red" }, "1": { text: "pass", color: "green" } }),
      ).withTarget(
        prom(
          `min by (service, vantage) (mailsla_check_success{${CHECK_FILTER}})`,
          "{{service}} @ {{vantage}}",
        ),
      ),
      barsPanel({
        title: "Failures by error code",
        description:
          "Failed checks per interval by closed error code (connect, dns, tls, auth, smtp-4xx, smtp-5xx, timeout, ...): contract/errors.ts lists them all.",
        span: 12,
      }).withTarget(
        prom(
          `sum by (service, code) (increase(mailsla_check_failures_total{${CHECK_FILTER}}[$__rate_interval]))`,
          "{{service}} {{code}}",
        ),
      ),
      barsPanel({
        title: "Failures by protocol stage",
        description:
          "Failed checks per interval by the stage that failed (connect, tls, banner, ehlo, auth, login, ...).",
        span: 12,
      }).withTarget(
        prom(
          `sum by (service, stage) (increase(mailsla_check_failures_total{${CHECK_FILTER}}[$__rate_interval]))`,
          "{{service}} {{stage}}",
        ),
      ),
      tablePanel({
        title: "Failures in the range by vantage point, service, code and stage",
        description: "Failed checks over the dashboard's range, one row per combination that occurred.",
        span: 12,
      }).withTarget(
        promTable(
          `sum by (vantage, service, code, stage) (increase(mailsla_check_failures_total{${CHECK_FILTER}}[$__range])) > 0`,
        ),
      ),
      graphPanel({
        title: "Check duration",
        description: "Duration of the latest check, all stages together (mailsla_check_duration_seconds).",
        span: 12,
      })
        .unit("s")
        .withTarget(prom(`mailsla_check_duration_seconds{${CHECK_FILTER}}`, "{{service}} @ {{vantage}}")),
    ],
  };
}
