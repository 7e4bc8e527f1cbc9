/**
 * Issue 5's "done when": a page for a stopped Dovecot reaches the webhook, and the resolved message
 * follows, in one test. Everything is real: Postfix + Dovecot, three agents, the collector,
 * Prometheus with the generated rules and Alertmanager with the generated routes (see pipeline.ts).
 * The timings it prints are the ones docs/alerts.md quotes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INDICATORS } from "../../contract/indicators.js";
import { waitFor } from "../stack/proc.js";
import { startPipeline, Teardown, type Pipeline } from "./pipeline.js";
import { alertsAt, type WebhookAlert } from "./webhook.js";

const teardown = new Teardown();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(teardown);
}, 60_000);

afterAll(() => teardown.run(), 60_000);

const SERVICE_DOWN = "MailslaServiceDown";
const availability = INDICATORS.availability;

/** The on-call pages of MailslaServiceDown for `service` with that status. */
const pages = (service: string, status: WebhookAlert["status"]) =>
  alertsAt(
    p.hook,
    "/oncall",
    (a) => a.labels.alertname === SERVICE_DOWN && a.labels.service === service,
  ).filter((n) => n.alert.status === status);

/** Waits for `what`, failing with Prometheus's and Alertmanager's logs. */
function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false) {
  return waitFor(what, check, { timeoutMs: 30_000, intervalMs: 50 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.logs()}`);
  });
}

/** The number of vantage points whose latest `service` check Prometheus has with that success. */
async function vantagesWith(service: string, success: 0 | 1): Promise<number> {
  const rows = await p.prometheus.query(`mailsla_check_success{service="${service}"} == ${success}`);
  return new Set(rows.map((r) => r.metric.vantage)).size;
}

/** Every service passes from every vantage point, every target is up, the collector has results. */
async function healthy(): Promise<boolean> {
  const services = Object.values(p.services);
  const passing = await Promise.all(services.map((s) => vantagesWith(s, 1)));
  if (passing.some((n) => n < p.config.vantagePoints.length)) return false;
  const up = await p.prometheus.query("up == 1");
  const ingested = await p.prometheus.query(
    'mailsla_collector_ingest_records_total{job="mailsla-collector",type="check",outcome="accepted"} > 0',
  );
  return up.length === p.agents.length + 1 && ingested.length === 1;
}

describe("paging end to end: Dovecot stopped, then started again", () => {
  it("pages on-call for imap, then resolves it; smtp, which stayed up, never pages", async () => {
    await until("every check passing from three vantage points, seen by Prometheus", healthy);
    const healthyAt = Date.now();
    expect(alertsAt(p.hook, "/oncall")).toEqual([]);

    const stopping = Date.now();
    await p.stack.stopDovecot();
    const stopped = Date.now();
    const fired = await until(
      "the imap page at the on-call webhook",
      () => pages(p.services.imap, "firing")[0],
    );
    expect(fired.receiver).toBe("oncall");
    expectPage(fired.alert);
    // Dovecot serves both: IMAP and POP3 fail from all three vantage points, not just a quorum
    for (const service of [p.services.imap, p.services.pop3]) {
      const all = p.config.vantagePoints.length;
      await until(
        `${service} failing from all vantage points`,
        async () => (await vantagesWith(service, 0)) === all,
      );
    }

    const starting = Date.now();
    await p.stack.startDovecot();
    const restarted = Date.now();
    const resolved = await until(
      "the resolved imap notification",
      () => pages(p.services.imap, "resolved")[0],
    );
    expect(resolved.receiver).toBe("oncall");
    expect(resolved.alert.fingerprint).toBe(fired.alert.fingerprint);
    expect(resolved.alert.labels).toEqual(fired.alert.labels);

    await expectSmtpQuietSince(healthyAt);
    report({
      stopDovecot: stopped - stopping,
      stoppedToPage: fired.receivedAt - stopped,
      startDovecot: restarted - starting,
      startedToResolved: resolved.receivedAt - restarted,
    });
  });
});

/** The imap page: its labels route it and name the clause; its text gives clause, target and quorum. */
function expectPage(page: WebhookAlert): void {
  expect(page.labels).toMatchObject({
    alertname: SERVICE_DOWN,
    service: p.services.imap,
    severity: "page",
    clause: availability.clause,
  });
  expect(page.annotations.summary).toContain(`SPEC ${availability.clause}`);
  expect(page.annotations.description).toContain(`SPEC ${availability.clause}`);
  expect(page.annotations.description).toContain(`${availability.comparison} ${availability.target * 100} %`);
  expect(page.annotations.description).toContain(`quorum ${p.config.thresholds.quorum}`);
  expect(page.annotations.runbook_url).toMatch(new RegExp(`/${SERVICE_DOWN}\\.md$`));
}

/** smtp passed from every vantage point since `since`, and nobody was paged for it. */
async function expectSmtpQuietSince(since: number): Promise<void> {
  const smtp = p.services.smtp;
  const window = Math.floor((Date.now() - since) / 1000);
  const rows = await p.prometheus.query(
    `min_over_time(mailsla_check_success{service="${smtp}"}[${window}s])`,
  );
  expect(rows.map((r) => [r.metric.vantage, r.value[1]]).sort()).toEqual(
    p.config.vantagePoints.map((v) => [v.name, "1"]),
  );
  expect(alertsAt(p.hook, "/oncall", (a) => a.labels.service === smtp)).toEqual([]);
}

/** Prints the timings (docs/alerts.md quotes them) and every on-call notification of the run. */
function report(ms: Record<string, number>): void {
  const paged = alertsAt(p.hook, "/oncall").map(
    (n) => `${n.alert.status} ${n.alert.labels.alertname}{service="${n.alert.labels.service ?? ""}"}`,
  );
  const lines = Object.entries(ms).map(([name, value]) => `  ${name}: ${(value / 1000).toFixed(2)} s`);
  console.log(
    `end-to-end paging timings:\n${lines.join("\n")}\non-call notifications:\n  ${paged.join("\n  ")}`,
  );
}
