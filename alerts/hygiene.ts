import type { AlertOptions } from "./options.js";
import { alertRule, type AlertRule, type RuleGroup } from "./rule.js";

/**
 * Sender hygiene (ISC E-mail Marketing Specification V1.2, section 2.2 and 2.2.6): other providers
 * trust the operator's mail only if it authenticates, its IPs are off blocklists, its DNS publishes
 * the policies and postmaster@/abuse@ take mail. None of this is an outage, so each opens a ticket,
 * never a page, and only after it has held for a while (a listing or a DNS change is not undone in
 * minutes). The agents export these apart from the availability metrics (probes/hygiene/).
 */

const SECTION = "2.2";
const QUARTER_HOUR = 15 * 60_000;

function senderAuth(o: AlertOptions): AlertRule {
  return alertRule(o, {
    name: "MailslaSenderAuthFailing",
    expr: "min by (service, vantage, aspect) (mailsla_sender_auth_pass) == 0",
    forMs: QUARTER_HOUR,
    severity: "ticket",
    clause: SECTION,
    summary: `Outbound mail fails {{ $labels.aspect }} at the sink of {{ $labels.vantage }} (marketing spec ${SECTION})`,
    description:
      `The latest probe message the operator's MTA handed to the sink of {{ $labels.vantage }} (service ` +
      `{{ $labels.service }}) failed {{ $labels.aspect }} for 15 minutes. Receiving providers judge users' mail ` +
      `the same way (marketing spec ${SECTION}: SPF, DKIM, DMARC, PTR): expect it in spam folders or refused.`,
  });
}

function hygieneKind(
  o: AlertOptions,
  name: string,
  kind: string,
  clause: string,
  finding: string,
): AlertRule {
  return alertRule(o, {
    name,
    expr: `min by (service, vantage) (mailsla_hygiene_check_success{kind="${kind}"}) == 0`,
    forMs: QUARTER_HOUR,
    severity: "ticket",
    clause,
    summary: `{{ $labels.service }}: ${finding} (marketing spec ${clause})`,
    description:
      `The ${kind} check {{ $labels.service }} from {{ $labels.vantage }} has failed for 15 minutes: ${finding}. ` +
      `The agent's log and mailsla_hygiene_check_failures_total name the code; the runbook says what to do ` +
      `(marketing spec ${clause}).`,
  });
}

/**
 * The per-user sending limit (SPEC 7.1.15): an opt-in burst from a dedicated probe account met no
 * throttle. A ticket: the limit protects other providers from a hijacked account, not users' mail
 * now. The check runs rarely (hours apart), so its last result holds until the next run.
 */
function sendingLimit(o: AlertOptions): AlertRule {
  return alertRule(o, {
    name: "MailslaSendingLimitMissing",
    expr: 'min by (service, vantage) (mailsla_hygiene_check_success{kind="sending-limit"}) == 0',
    forMs: QUARTER_HOUR,
    severity: "ticket",
    clause: "7.1.15",
    summary: "{{ $labels.service }}: the probe account's burst met no sending limit (SPEC 7.1.15)",
    description:
      "The sending-limit check {{ $labels.service }} from {{ $labels.vantage }} sent its whole configured burst " +
      "without a 4xx/5xx throttle (or could not measure it: the first message was refused). SPEC 7.1.15 asks " +
      "for per-user sending limits; a hijacked account could spam without one. The agent's log names the code.",
  });
}

/** Rules of sender hygiene: one ticket per kind of failure. */
export function hygieneRules(o: AlertOptions): RuleGroup {
  return {
    name: "mailsla-hygiene",
    rules: [
      senderAuth(o),
      hygieneKind(
        o,
        "MailslaBlocklisted",
        "dnsbl",
        SECTION,
        "an outbound IP or sending domain is on a blocklist",
      ),
      hygieneKind(
        o,
        "MailslaRoleAddressRefused",
        "role-addresses",
        "2.2.6",
        "postmaster@ or abuse@ is refused",
      ),
      hygieneKind(
        o,
        "MailslaDnsPolicyFailing",
        "dns-policy",
        SECTION,
        "a sending domain's published SPF, DKIM, DMARC, TLS-RPT or MTA-STS policy is wrong",
      ),
      sendingLimit(o),
    ],
  };
}
