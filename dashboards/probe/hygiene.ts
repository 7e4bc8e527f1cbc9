import { prom, valueText, type Row } from "../common.js";
import { PASS_FAIL } from "../indicator-fields.js";
import { barsPanel, timelinePanel } from "../panels.js";

/**
 * Probe-detail row "Sender hygiene" (issue 14; docs/sender-hygiene.md): the latest result of each
 * sender-hygiene check (blocklists, postmaster@/abuse@, published DNS policy, sending limits) per
 * vantage point, their failures by closed code, and the authentication of the operator's real
 * outbound mail per aspect as the sink judged it. These are reputation, not availability: they
 * have their own metrics (mailsla_hygiene_check_*), so the checks row above never shows them.
 */

/** The vantage point filter (the hygiene services are not in the dashboard's `service` variable). */
const VANTAGE = 'vantage=~"$vantage"';

/** The row. */
export function hygieneRow(): Row {
  return {
    title: "Sender hygiene (marketing specification 2.2, SPEC 7.1.15)",
    panels: [
      timelinePanel(
        {
          title: "Latest sender-hygiene result per check and vantage point",
          description:
            "1 when the latest result of each sender-hygiene check passed, 0 when it failed (mailsla_hygiene_check_success): blocklists (2.2.4), postmaster@ and abuse@ (2.2.6), the published DNS policy with MTA-STS (2.2), the opt-in sending limit (SPEC 7.1.15). Reputation, never fault time.",
          span: 24,
        },
        valueText(PASS_FAIL),
      ).withTarget(
        prom(
          `min by (service, kind, vantage) (mailsla_hygiene_check_success{${VANTAGE}})`,
          "{{service}} ({{kind}}) @ {{vantage}}",
        ),
      ),
      barsPanel({
        title: "Sender-hygiene failures by code",
        description:
          "Failed sender-hygiene checks per interval by closed code: listed, role-address-refused, spf-record, dmarc-record, mta-sts-policy, mta-sts-mx, no-send-limit, ... (contract/errors.ts).",
        span: 12,
      }).withTarget(
        prom(
          `sum by (service, code) (increase(mailsla_hygiene_check_failures_total{${VANTAGE}}[$__rate_interval]))`,
          "{{service}} {{code}}",
        ),
      ),
      timelinePanel(
        {
          title: "Outbound mail authentication per aspect, at the sink",
          description:
            "1 when the latest probe message the operator's MTA handed to the sink passed the aspect (SPF 2.2.2, DKIM and DMARC 2.2.3, ARC, PTR 2.2.1, HELO), 0 when it failed (mailsla_sender_auth_pass).",
          span: 12,
        },
        valueText(PASS_FAIL),
      ).withTarget(
        prom(`min by (aspect, vantage) (mailsla_sender_auth_pass{${VANTAGE}})`, "{{aspect}} @ {{vantage}}"),
      ),
    ],
  };
}
