import { stringify } from "yaml";
import { generatedHeader } from "./rules.js";

/**
 * An example Alertmanager configuration for mailsla's alerts: pages to on-call, tickets and
 * warnings to the NOC, the Watchdog to a dead man's switch, and the inhibitions that keep one
 * cause from paging twice. Operators copy it or generate their own with their receivers.
 */

/** Where notifications go and how often; every URL and address is the operator's. */
export interface AlertmanagerOptions {
  readonly oncall: { readonly webhookUrl: string; readonly email?: string };
  readonly noc: { readonly webhookUrl?: string; readonly email: string };
  /** The dead man's switch that expects the Watchdog regularly. */
  readonly watchdogUrl: string;
  readonly smtp: { readonly smarthost: string; readonly from: string };
  readonly timing: {
    readonly groupWait: string;
    readonly groupInterval: string;
    readonly repeatInterval: string;
    readonly resolveTimeout: string;
  };
}

/** The example's placeholders: reserved example domains, loopback receivers. */
export function defaultAlertmanagerOptions(over: Partial<AlertmanagerOptions> = {}): AlertmanagerOptions {
  return {
    oncall: { webhookUrl: "http://127.0.0.1:9095/oncall", email: "oncall@example.net" },
    noc: { email: "noc@example.net" },
    watchdogUrl: "http://127.0.0.1:9095/watchdog",
    smtp: { smarthost: "localhost:25", from: "mailsla-alerts@example.net" },
    timing: { groupWait: "30s", groupInterval: "5m", repeatInterval: "4h", resolveTimeout: "5m" },
    ...over,
  };
}

/** The agent alerts whose vantage point then sees nothing reliable. */
const AGENT_ALERTS = "MailslaAgentDown|MailslaAgentSilent";

/**
 * Inhibitions. An alert missing a label in `equal` compares as "" and would match every other
 * alert missing it, so both sides demand the label be present.
 */
export const INHIBIT_RULES = [
  // An agent down or silent: alerts seen only through that vantage point say nothing about the operator.
  {
    source_matchers: [`alertname=~"${AGENT_ALERTS}"`, 'vantage=~".+"'],
    target_matchers: [`alertname!~"${AGENT_ALERTS}"`, 'vantage=~".+"'],
    equal: ["vantage"],
  },
  // Announced maintenance (7.1.3): its services' down alerts are expected.
  {
    source_matchers: ['alertname="MailslaMaintenanceActive"', 'service=~".+"'],
    target_matchers: ['alertname="MailslaServiceDown"', 'service=~".+"'],
    equal: ["service"],
  },
  // A certificate about to expire pages; the earlier warning for it is then noise.
  {
    source_matchers: ['alertname="MailslaCertificateExpiring"', 'severity="page"'],
    target_matchers: ['alertname="MailslaCertificateExpiring"', 'severity="warning"'],
    equal: ["service", "vantage"],
  },
];

function receivers(o: AlertmanagerOptions) {
  const email = (to: string) => [{ to, send_resolved: true }];
  const hook = (url: string) => [{ url, send_resolved: true }];
  return [
    {
      name: "oncall",
      webhook_configs: hook(o.oncall.webhookUrl),
      ...(o.oncall.email ? { email_configs: email(o.oncall.email) } : {}),
    },
    {
      name: "noc",
      email_configs: email(o.noc.email),
      ...(o.noc.webhookUrl ? { webhook_configs: hook(o.noc.webhookUrl) } : {}),
    },
    { name: "watchdog", webhook_configs: [{ url: o.watchdogUrl, send_resolved: false }] },
  ];
}

/** The configuration as an object, in Alertmanager's own keys. */
export function alertmanagerConfig(o: AlertmanagerOptions) {
  const t = o.timing;
  return {
    global: { resolve_timeout: t.resolveTimeout, smtp_smarthost: o.smtp.smarthost, smtp_from: o.smtp.from },
    route: {
      receiver: "noc",
      group_by: ["alertname", "service", "segment"],
      group_wait: t.groupWait,
      group_interval: t.groupInterval,
      repeat_interval: t.repeatInterval,
      routes: [
        // The heartbeat goes out at every group interval; the switch alarms when it stops.
        { receiver: "watchdog", matchers: ['alertname="MailslaWatchdog"'], repeat_interval: t.groupInterval },
        { receiver: "oncall", matchers: ['severity="page"'] },
        { receiver: "noc", matchers: ['severity=~"ticket|warning"'] },
      ],
    },
    inhibit_rules: INHIBIT_RULES,
    receivers: receivers(o),
  };
}

/** The configuration file (not yet run through the formatter). */
export function renderAlertmanager(o: AlertmanagerOptions): string {
  return generatedHeader("alerts/alertmanager.ts") + stringify(alertmanagerConfig(o), { lineWidth: 0 });
}
