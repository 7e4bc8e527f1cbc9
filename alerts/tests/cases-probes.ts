import type { AlertCase } from "./promtool.js";

/**
 * promtool cases of the alerts read from the agents' metrics (delivery, security, certificates)
 * and of the monitoring's own health. promtool's clock starts at 0, so timestamps are small.
 */

const delay = (direction: string, suffix: string, values: string, le?: string) => ({
  series: `mailsla_delivery_delay_seconds_${suffix}{delivery="d1",direction="${direction}",vantage="a"${le ? `,le="${le}"` : ""}}`,
  values,
});

/** Delivery: one probe message a minute. */
const deliveryCases: AlertCase[] = [
  {
    name: "MailslaDeliveryDelayHigh: 15 min average sending delay warns once Prometheus holds the hour; 1 min receiving delay does not",
    series: [
      delay("send", "count", "0+1x120"),
      delay("send", "sum", "0+900x120"),
      delay("receive", "count", "0+1x120"),
      delay("receive", "sum", "0+60x120"),
    ],
    checks: [
      // 15 min on average, but Prometheus has only 30 minutes of the hour: no evidence yet
      { at: "30m", alert: "MailslaDeliveryDelayHigh", fires: [] },
      { at: "62m", alert: "MailslaDeliveryDelayHigh", fires: [] }, // hour covered at 60m, for: 5m
      {
        at: "90m",
        alert: "MailslaDeliveryDelayHigh",
        fires: [
          {
            labels: { severity: "warning", clause: "7.1.8", direction: "send" },
            value: { humanizeDuration: "15m 0s" },
          },
        ],
      },
    ],
  },
  {
    name: "MailslaDeliveryDelayHigh: one minute on average in both directions is fine",
    series: [
      delay("send", "count", "0+1x120"),
      delay("send", "sum", "0+60x120"),
      delay("receive", "count", "0+1x120"),
      delay("receive", "sum", "0+599x120"),
    ],
    checks: [{ at: "90m", alert: "MailslaDeliveryDelayHigh", fires: [] }],
  },
  {
    name: "MailslaDeliveryDelayHigh: the receiving direction carries clause 7.1.9",
    series: [delay("receive", "count", "0+1x120"), delay("receive", "sum", "0+660x120")],
    checks: [
      {
        at: "90m",
        alert: "MailslaDeliveryDelayHigh",
        fires: [
          {
            labels: { severity: "warning", clause: "7.1.9", direction: "receive" },
            value: { humanizeDuration: "11m 0s" },
          },
        ],
      },
    ],
  },
  {
    name: "MailslaDeliveryPastMaximum: messages delivered after 3 h page (le as Prometheus 2 and 3 write it)",
    series: [
      delay("send", "count", "0+1x120"),
      delay("send", "bucket", "0+1x60 60x60", "10800"),
      delay("receive", "count", "0+1x120"),
      delay("receive", "bucket", "0+1x60 60x60", "10800.0"),
    ],
    checks: [
      { at: "50m", alert: "MailslaDeliveryPastMaximum", fires: [] },
      {
        at: "90m",
        alert: "MailslaDeliveryPastMaximum",
        fires: ["send", "receive"].map((direction) => ({
          labels: {
            severity: "page",
            clause: direction === "send" ? "7.1.8" : "7.1.9",
            delivery: "d1",
            direction,
            vantage: "a",
          },
          value: { humanize: "30" },
        })),
      },
    ],
  },
  {
    name: "MailslaDeliveryStuck: a message in flight past 3 h pages before it lands",
    series: [
      {
        series: 'mailsla_delivery_inflight_oldest_age_seconds{delivery="d1",direction="receive",vantage="a"}',
        values: "0+60x300",
      },
    ],
    checks: [
      { at: "170m", alert: "MailslaDeliveryStuck", fires: [] },
      {
        at: "181m",
        alert: "MailslaDeliveryStuck",
        fires: [
          {
            labels: { severity: "page", clause: "7.1.9", delivery: "d1", direction: "receive", vantage: "a" },
            value: { humanizeDuration: "3h 1m 0s" },
          },
        ],
      },
    ],
  },
];

const compliant = (clause: string, service: string, values: string) => ({
  series: `mailsla_security_compliant{service="${service}",kind="x",vantage="a",clause="${clause}"}`,
  values,
});
const cert = (service: string, notAfter: number) => ({
  series: `mailsla_tls_certificate_not_after_timestamp_seconds{service="${service}",kind="smtp",vantage="a"}`,
  values: `${notAfter}x10`,
});
const DAY = 86_400;

/** Security verdicts and certificates. */
const securityCases: AlertCase[] = [
  {
    name: "MailslaSmtpAuthNotRequired and MailslaOpenRelay: a violation pages at once; compliant services do not",
    series: [
      compliant("7.1.13", "submission", "0x5"),
      compliant("7.1.13", "submission2", "1x5"),
      compliant("7.1.14", "mx", "0x5"),
      compliant("7.1.14", "mx2", "1x5"),
    ],
    checks: [
      {
        at: "1m",
        alert: "MailslaSmtpAuthNotRequired",
        fires: [
          {
            labels: { severity: "page", clause: "7.1.13", service: "submission", vantage: "a" },
            value: { "": "0" },
          },
        ],
      },
      {
        at: "1m",
        alert: "MailslaOpenRelay",
        fires: [
          { labels: { severity: "page", clause: "7.1.14", service: "mx", vantage: "a" }, value: { "": "0" } },
        ],
      },
    ],
  },
  {
    name: "MailslaSmtpAuthNotRequired and MailslaOpenRelay: quiet while every verdict is compliant",
    series: [compliant("7.1.13", "submission", "1x5"), compliant("7.1.14", "mx", "1x5")],
    checks: [
      { at: "1m", alert: "MailslaSmtpAuthNotRequired", fires: [] },
      { at: "1m", alert: "MailslaOpenRelay", fires: [] },
    ],
  },
  {
    name: "MailslaCertificateExpiring: quiet with 22 days left",
    series: [cert("mx", 22 * DAY)],
    checks: [{ at: "1m", alert: "MailslaCertificateExpiring", fires: [] }],
  },
  {
    name: "MailslaCertificateExpiring: warning inside 21 days, page inside 7, nothing at 30",
    series: [cert("mx", 10 * DAY + 60), cert("imap", 5 * DAY + 60), cert("pop3", 30 * DAY)],
    checks: [
      {
        at: "1m",
        alert: "MailslaCertificateExpiring",
        fires: [
          {
            labels: { severity: "warning", clause: "7.1.4", threshold: "21d", service: "mx", vantage: "a" },
            value: { humanizeDuration: "10d 0h 0m 0s" },
          },
          {
            labels: { severity: "warning", clause: "7.1.4", threshold: "21d", service: "imap", vantage: "a" },
            value: { humanizeDuration: "5d 0h 0m 0s" },
          },
          {
            labels: { severity: "page", clause: "7.1.4", threshold: "7d", service: "imap", vantage: "a" },
            value: { humanizeDuration: "5d 0h 0m 0s" },
          },
        ],
      },
    ],
  },
];

/** The monitoring's own health. Without `up` series, the absent() half of the job alerts fires. */
const healthCases: AlertCase[] = [
  {
    name: "MailslaWatchdog always fires; MailslaAgentDown and MailslaCollectorDown on up == 0",
    series: [
      { series: 'up{job="mailsla-agent",instance="a:9469",vantage="a"}', values: "0x10" },
      { series: 'up{job="mailsla-agent",instance="b:9469",vantage="b"}', values: "1x10" },
      { series: 'up{job="mailsla-collector",instance="c:9470"}', values: "0x10" },
    ],
    checks: [
      { at: "0m", alert: "MailslaWatchdog", fires: [{ labels: { severity: "warning", clause: "6.1.2" } }] },
      { at: "3m", alert: "MailslaAgentDown", fires: [] }, // for: 5m
      {
        at: "6m",
        alert: "MailslaAgentDown",
        fires: [
          {
            labels: {
              severity: "ticket",
              clause: "6.1.2",
              job: "mailsla-agent",
              instance: "a:9469",
              vantage: "a",
            },
            value: { "": "0" },
          },
        ],
      },
      {
        at: "6m",
        alert: "MailslaCollectorDown",
        fires: [
          {
            labels: { severity: "ticket", clause: "6.1.2", job: "mailsla-collector", instance: "c:9470" },
            value: { "": "0" },
          },
        ],
      },
    ],
  },
  {
    name: "MailslaAgentDown and MailslaCollectorDown: no target at all is absence; healthy targets are quiet",
    series: [{ series: 'up{job="mailsla-collector",instance="c:9470"}', values: "1x10" }],
    checks: [
      {
        at: "6m",
        alert: "MailslaAgentDown",
        fires: [
          { labels: { severity: "ticket", clause: "6.1.2", job: "mailsla-agent" }, value: { "": "1" } },
        ],
      },
      { at: "6m", alert: "MailslaCollectorDown", fires: [] },
    ],
  },
  {
    name: "MailslaAgentSilent: an agent that never pushed is silent; one pushing every minute is not",
    series: [
      { series: 'mailsla_agent_last_push_timestamp_seconds{vantage="a"}', values: "0x20" },
      { series: 'mailsla_agent_last_push_timestamp_seconds{vantage="b"}', values: "0+60x20" },
    ],
    checks: [
      { at: "9m", alert: "MailslaAgentSilent", fires: [] },
      {
        at: "11m",
        alert: "MailslaAgentSilent",
        fires: [
          {
            labels: { severity: "ticket", clause: "6.1.2", vantage: "a" },
            value: { humanizeDuration: "11m 0s" },
          },
        ],
      },
    ],
  },
  {
    name: "MailslaAgentOutboxBacklog: results waiting over 10 minutes for 5 minutes open a ticket; a draining outbox does not",
    series: [
      {
        series: 'mailsla_agent_outbox_oldest_age_seconds{job="mailsla-agent",instance="a:9469",vantage="a"}',
        values: "0+60x20",
      },
      {
        series: 'mailsla_agent_outbox_oldest_age_seconds{job="mailsla-agent",instance="b:9469",vantage="b"}',
        values: "0 30 0 45 0 20 0x14",
      },
    ],
    checks: [
      { at: "14m", alert: "MailslaAgentOutboxBacklog", fires: [] }, // above 600 s since 11m, for: 5m
      {
        at: "16m",
        alert: "MailslaAgentOutboxBacklog",
        fires: [
          {
            labels: { severity: "ticket", clause: "6.1.2", instance: "a:9469", vantage: "a" },
            value: { humanizeDuration: "16m 0s" },
          },
        ],
      },
    ],
  },
  {
    name: "MailslaAgentResultsRefused: a new dead letter opens a ticket; an unchanged count does not",
    series: [
      {
        series: 'mailsla_agent_dead_letter_records{job="mailsla-agent",instance="a:9469",vantage="a"}',
        values: "0x30 2x30",
      },
      {
        series: 'mailsla_agent_dead_letter_records{job="mailsla-agent",instance="b:9469",vantage="b"}',
        values: "3x60",
      },
    ],
    checks: [
      { at: "20m", alert: "MailslaAgentResultsRefused", fires: [] },
      {
        at: "40m",
        alert: "MailslaAgentResultsRefused",
        fires: [{ labels: { severity: "ticket", clause: "6.1.2", instance: "a:9469", vantage: "a" } }],
      },
    ],
  },
];

/** Sender hygiene: each failure kind opens its ticket after 15 minutes; a passing check does not. */
const hygieneCases: AlertCase[] = [
  {
    name: "MailslaSenderAuthFailing: DKIM failing at the sink for 15 minutes opens a ticket; SPF passing does not",
    series: [
      { series: 'mailsla_sender_auth_pass{service="auth",vantage="a",aspect="dkim"}', values: "0x30" },
      { series: 'mailsla_sender_auth_pass{service="auth",vantage="a",aspect="spf"}', values: "1x30" },
    ],
    checks: [
      { at: "10m", alert: "MailslaSenderAuthFailing", fires: [] },
      {
        at: "20m",
        alert: "MailslaSenderAuthFailing",
        fires: [
          { labels: { severity: "ticket", clause: "2.2", service: "auth", vantage: "a", aspect: "dkim" } },
        ],
      },
    ],
  },
  {
    name: "MailslaBlocklisted, MailslaRoleAddressRefused, MailslaDnsPolicyFailing: one ticket per failing kind",
    series: [
      { series: 'mailsla_hygiene_check_success{service="rbl",kind="dnsbl",vantage="a"}', values: "0x30" },
      {
        series: 'mailsla_hygiene_check_success{service="roles",kind="role-addresses",vantage="a"}',
        values: "0x30",
      },
      {
        series: 'mailsla_hygiene_check_success{service="policy",kind="dns-policy",vantage="a"}',
        values: "1x30",
      },
    ],
    checks: [
      {
        at: "20m",
        alert: "MailslaBlocklisted",
        fires: [{ labels: { severity: "ticket", clause: "2.2", service: "rbl", vantage: "a" } }],
      },
      {
        at: "20m",
        alert: "MailslaRoleAddressRefused",
        fires: [{ labels: { severity: "ticket", clause: "2.2.6", service: "roles", vantage: "a" } }],
      },
      { at: "20m", alert: "MailslaDnsPolicyFailing", fires: [] },
      { at: "10m", alert: "MailslaBlocklisted", fires: [] }, // for: 15m
      { at: "10m", alert: "MailslaRoleAddressRefused", fires: [] },
    ],
  },
  {
    name: "MailslaDnsPolicyFailing: a wrong published policy for 15 minutes opens a ticket",
    series: [
      {
        series: 'mailsla_hygiene_check_success{service="policy",kind="dns-policy",vantage="b"}',
        values: "0x30",
      },
    ],
    checks: [
      { at: "10m", alert: "MailslaDnsPolicyFailing", fires: [] },
      {
        at: "20m",
        alert: "MailslaDnsPolicyFailing",
        fires: [{ labels: { severity: "ticket", clause: "2.2", service: "policy", vantage: "b" } }],
      },
    ],
  },
  {
    name: "MailslaSendingLimitMissing: a burst that met no limit opens a ticket after 15 minutes",
    series: [
      {
        series: 'mailsla_hygiene_check_success{service="limit",kind="sending-limit",vantage="a"}',
        values: "0x30",
      },
      {
        series: 'mailsla_hygiene_check_success{service="limit",kind="sending-limit",vantage="b"}',
        values: "1x30",
      },
    ],
    checks: [
      { at: "10m", alert: "MailslaSendingLimitMissing", fires: [] },
      {
        at: "20m",
        alert: "MailslaSendingLimitMissing",
        fires: [{ labels: { severity: "ticket", clause: "7.1.15", service: "limit", vantage: "a" } }],
      },
      { at: "20m", alert: "MailslaDnsPolicyFailing", fires: [] },
    ],
  },
];

/** Every case of the agents' and health alerts. */
export const PROBE_CASES: readonly AlertCase[] = [
  ...deliveryCases,
  ...securityCases,
  ...hygieneCases,
  ...healthCases,
];
