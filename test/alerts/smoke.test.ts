import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAlertmanagerOptions, renderAlertmanager } from "../../alerts/alertmanager.js";
import { defaultAlertOptions } from "../../alerts/options.js";
import { renderRules } from "../../alerts/rules.js";
import { waitFor } from "../stack/proc.js";
import { startAlertmanager, type AlertmanagerServer } from "../helpers/alertmanager.js";
import { startPrometheus, type PrometheusServer } from "../helpers/prometheus.js";

/**
 * The whole alerting path with real servers: a fake agent's /metrics says mx fails from two of
 * three vantage points, Prometheus scrapes it and evaluates the generated rules (fast variant),
 * Alertmanager routes the page to the on-call webhook; then mx recovers and "resolved" follows.
 */

interface Notification {
  path: string;
  body: { status: string; receiver: string; alerts: { status: string; labels: Record<string, string> }[] };
}

/** A tiny HTTP server: `/metrics` serves `metrics()`, every POST is recorded as a notification. */
async function startFakes(metrics: () => string) {
  const received: Notification[] = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => {
      if (req.method === "POST") received.push({ path: req.url ?? "", body: JSON.parse(data) });
      if (req.url === "/metrics") res.setHeader("content-type", "text/plain; version=0.0.4");
      res.end(req.url === "/metrics" ? metrics() : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise((r) => server.close(r)) };
}

function agentMetrics(failing: boolean): string {
  const line = (vantage: string, ok: boolean) =>
    `mailsla_check_success{service="mx",kind="smtp",vantage="${vantage}"} ${ok ? 1 : 0}`;
  return [
    "# HELP mailsla_check_success 1 if the latest check passed",
    "# TYPE mailsla_check_success gauge",
    line("a", !failing),
    line("b", !failing),
    line("c", true),
    'mailsla_check_success{service="imap",kind="imap",vantage="a"} 0', // one vantage point: below quorum
    "",
  ].join("\n");
}

describe("alerting end to end: Prometheus, generated rules, Alertmanager, webhook", () => {
  let failing = true;
  let fakes: Awaited<ReturnType<typeof startFakes>>;
  let am: AlertmanagerServer;
  let prom: PrometheusServer;

  beforeAll(async () => {
    fakes = await startFakes(() => agentMetrics(failing));
    const hook = (p: string) => `http://127.0.0.1:${fakes.port}${p}`;
    const fast = { groupWait: "1s", groupInterval: "1s", repeatInterval: "1h", resolveTimeout: "1m" };
    am = await startAlertmanager(
      renderAlertmanager(
        defaultAlertmanagerOptions({
          oncall: { webhookUrl: hook("/oncall") },
          noc: { email: "noc@example.net", webhookUrl: hook("/noc") },
          watchdogUrl: hook("/watchdog"),
          smtp: { smarthost: "127.0.0.1:9", from: "mailsla@example.net" },
          timing: fast,
        }),
      ),
    );
    const config = [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "rule_files: [mailsla-rules.yml]",
      `alerting: { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:${am.port}"] }] }] }`,
      "scrape_configs:",
      `  - { job_name: mailsla-agent, static_configs: [{ targets: ["127.0.0.1:${fakes.port}"] }] }`,
    ].join("\n");
    prom = await startPrometheus({
      config,
      ruleFiles: { "mailsla-rules.yml": renderRules(defaultAlertOptions({ speed: 120 })) },
    });
  });
  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await fakes?.close();
  });

  const pages = (status: string) =>
    fakes.received.filter(
      (n) =>
        n.path === "/oncall" &&
        n.body.alerts.some((a) => a.status === status && a.labels.alertname === "MailslaServiceDown"),
    );

  it("pages on-call for a service down from two vantage points, then sends resolved", async () => {
    const fired = await waitFor("the page at the on-call webhook", () => pages("firing")[0], {
      timeoutMs: 30_000,
      intervalMs: 100,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\nprometheus:\n${prom.log()}\nalertmanager:\n${am.log()}`);
    });
    const alert = fired.body.alerts.find((a) => a.labels.alertname === "MailslaServiceDown")!;
    expect(alert.labels).toMatchObject({ service: "mx", severity: "page", clause: "7.1.4" });
    expect(fired.body.receiver).toBe("oncall");
    // imap fails from one vantage point only: no page for it
    const paged = fakes.received.flatMap((n) => (n.path === "/oncall" ? n.body.alerts : []));
    expect(paged.filter((a) => a.labels.service === "imap")).toEqual([]);
    await waitFor("the watchdog heartbeat", () => fakes.received.some((n) => n.path === "/watchdog"));

    failing = false;
    await waitFor("the resolved notification", () => pages("resolved")[0], {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });
});
