import { INDICATORS } from "../contract/indicators.js";
import type { AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule, type RuleGroup } from "./rule.js";

/**
 * Security verdicts (7.1.13 SMTP AUTH required, 7.1.14 open relay closed) page: one vantage point
 * that got a foreign recipient accepted is proof, not a network artefact, so no quorum applies.
 * Certificates expiring are a fault waiting to happen (7.1.4: clients refuse an expired one).
 */

function verdict(
  o: AlertOptions,
  name: string,
  key: "smtpAuthRequired" | "openRelayClosed",
  finding: string,
) {
  const i = INDICATORS[key];
  return alertRule(o, {
    name,
    expr: `min by (service, vantage) (mailsla_security_compliant{clause="${i.clause}"}) == 0`,
    severity: "page",
    clause: i.clause,
    summary: `{{ $labels.service }}: ${finding} (SPEC ${i.clause} ${i.title})`,
    description:
      `The latest check of {{ $labels.service }} from {{ $labels.vantage }} found that it ${finding} ` +
      `(compliant = {{ $value }}). SPEC ${i.clause} requires: ${i.title.toLowerCase()}. Spammers find such a ` +
      `server within hours; close it now.`,
  });
}

function certificate(o: AlertOptions, severity: "warning" | "page", days: number): AlertRule {
  const a = INDICATORS.availability;
  return alertRule(o, {
    name: "MailslaCertificateExpiring",
    expr: `
min by (service, vantage) (mailsla_tls_certificate_not_after_timestamp_seconds) - time()
< ${num(days)} * 86400`,
    severity,
    clause: a.clause,
    labels: { threshold: `${num(days)}d` },
    summary: `Certificate of {{ $labels.service }} expires in {{ $value | humanizeDuration }}`,
    description:
      `The certificate {{ $labels.service }} presents to {{ $labels.vantage }} expires in {{ $value | humanizeDuration }} ` +
      `(alert at ${num(days)} days). Clients refuse an expired certificate, so the service would be down: ` +
      `SPEC ${a.clause} ${a.title} ${a.comparison} ${num(a.target * 100)} %. Renew and deploy it.`,
  });
}

/** Rules of 7.1.13, 7.1.14 and certificate expiry. */
export function securityRules(o: AlertOptions): RuleGroup {
  return {
    name: "mailsla-security",
    rules: [
      verdict(
        o,
        "MailslaSmtpAuthNotRequired",
        "smtpAuthRequired",
        "accepts mail for a foreign domain without SMTP AUTH",
      ),
      verdict(o, "MailslaOpenRelay", "openRelayClosed", "relays mail for strangers (open relay)"),
      certificate(o, "warning", o.certificateDays.warning),
      certificate(o, "page", o.certificateDays.page),
    ],
  };
}
