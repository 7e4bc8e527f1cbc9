import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAlertmanagerOptions, renderAlertmanager } from "../../alerts/alertmanager.js";
import { waitFor } from "../stack/proc.js";
import { startAlertmanager, type AlertmanagerServer } from "../helpers/alertmanager.js";
import { requireTool } from "../helpers/tools.js";
import { ROOT } from "../../scripts/generate.js";

const CONFIG = path.join(ROOT, "alerts/generated/alertmanager.yml");

function amtool(...args: string[]) {
  const r = spawnSync(requireTool("amtool", "prometheus-alertmanager"), args, { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** The receiver amtool resolves for a label set (`--verify.receivers` makes a mismatch exit 1). */
function routesTo(receiver: string, labels: Record<string, string>) {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return amtool(
    "config",
    "routes",
    "test",
    `--config.file=${CONFIG}`,
    `--verify.receivers=${receiver}`,
    ...pairs,
  );
}

describe("generated Alertmanager configuration", () => {
  it("passes amtool check-config", () => {
    const r = amtool("check-config", CONFIG);
    expect(r.output).toContain("SUCCESS");
    expect(r.output).toContain("3 inhibit rules");
    expect(r.ok).toBe(true);
  });

  it.each([
    ["oncall", { alertname: "MailslaServiceDown", severity: "page", clause: "7.1.4", service: "mx" }],
    [
      "oncall",
      { alertname: "MailslaOpenRelay", severity: "page", clause: "7.1.14", service: "mx", vantage: "a" },
    ],
    ["oncall", { alertname: "MailslaFaultBudgetFastBurn", severity: "page", clause: "7.1.2", window: "1h" }],
    ["noc", { alertname: "MailslaFaultBudgetSlowBurn", severity: "ticket", clause: "7.1.2", window: "3d" }],
    [
      "noc",
      { alertname: "MailslaDeliveryDelayHigh", severity: "warning", clause: "7.1.8", direction: "send" },
    ],
    ["noc", { alertname: "MailslaMaintenanceActive", severity: "warning", service: "mx", segment: "north" }],
    ["noc", { alertname: "SomeoneElsesAlert" }],
    ["watchdog", { alertname: "MailslaWatchdog", severity: "warning", clause: "6.1.2" }],
  ])("routes to %s: %j", (receiver, labels) => {
    const r = routesTo(receiver, labels);
    expect(r.output.trim().split("\n")[0]).toBe(receiver);
    expect(r.ok).toBe(true);
  });

  it("amtool notices a wrong expectation (the check above can fail)", () => {
    expect(routesTo("noc", { alertname: "MailslaServiceDown", severity: "page" }).ok).toBe(false);
  });
});

describe("inhibitions in a real Alertmanager", () => {
  let am: AlertmanagerServer;
  beforeAll(async () => {
    const dead = "http://127.0.0.1:9/unused"; // discard port: notifications are not the point here
    const options = defaultAlertmanagerOptions({
      oncall: { webhookUrl: dead },
      noc: { email: "noc@example.net", webhookUrl: dead },
      watchdogUrl: dead,
      smtp: { smarthost: "127.0.0.1:9", from: "mailsla@example.net" },
    });
    am = await startAlertmanager(renderAlertmanager(options));
  });
  afterAll(async () => am?.stop());

  const state = async (alertname: string, labels: Record<string, string>) => {
    const found = (await am.alerts()).find(
      (a) => a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
    );
    return found?.status.state;
  };

  it("an agent down silences alerts seen only through its vantage point, not the others", async () => {
    await am.post([
      { labels: { alertname: "MailslaAgentDown", severity: "ticket", vantage: "a", instance: "a:9469" } },
      {
        labels: { alertname: "MailslaCertificateExpiring", severity: "warning", service: "mx", vantage: "a" },
      },
      {
        labels: { alertname: "MailslaCertificateExpiring", severity: "warning", service: "mx", vantage: "b" },
      },
      { labels: { alertname: "MailslaServiceDown", severity: "page", service: "imap" } },
    ]);
    await waitFor(
      "inhibition applied",
      async () => (await state("MailslaCertificateExpiring", { vantage: "a" })) === "suppressed",
    );
    expect(await state("MailslaCertificateExpiring", { vantage: "b" })).toBe("active");
    // no vantage label: never inhibited by an agent alert (an absent label would compare equal)
    expect(await state("MailslaServiceDown", { service: "imap" })).toBe("active");
    expect(await state("MailslaAgentDown", { vantage: "a" })).toBe("active");
  });

  it("announced maintenance silences its services' down alerts, not other services'", async () => {
    await am.post([
      {
        labels: {
          alertname: "MailslaMaintenanceActive",
          severity: "warning",
          service: "webmail",
          segment: "north",
        },
      },
      { labels: { alertname: "MailslaServiceDown", severity: "page", service: "webmail" } },
      { labels: { alertname: "MailslaServiceDown", severity: "page", service: "pop3" } },
    ]);
    await waitFor(
      "maintenance inhibition",
      async () => (await state("MailslaServiceDown", { service: "webmail" })) === "suppressed",
    );
    expect(await state("MailslaServiceDown", { service: "pop3" })).toBe("active");
  });

  it("a certificate page silences the warning for the same certificate", async () => {
    await am.post([
      {
        labels: { alertname: "MailslaCertificateExpiring", severity: "page", service: "smtp", vantage: "c" },
      },
      {
        labels: {
          alertname: "MailslaCertificateExpiring",
          severity: "warning",
          service: "smtp",
          vantage: "c",
        },
      },
    ]);
    await waitFor(
      "certificate inhibition",
      async () =>
        (await state("MailslaCertificateExpiring", { service: "smtp", severity: "warning" })) ===
        "suppressed",
    );
    expect(await state("MailslaCertificateExpiring", { service: "smtp", severity: "page" })).toBe("active");
  });
});
