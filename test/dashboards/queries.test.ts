/**
 * Every panel query and every variable of the committed dashboards runs against the real
 * Prometheus and InfluxDB fed by a running mailsla (demo target, collector, agent) and returns at
 * least one series; queries that cannot have data yet are listed in no-data-yet.ts with the reason,
 * and the list fails as soon as an entry is stale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../stack/proc.js";
import { interpolate, panelRange, type Values } from "./interpolate.js";
import { NO_DATA_YET } from "./no-data-yet.js";
import { labelValues, runInfluxql, runPromql, type Outcome } from "./run-query.js";
import { INFLUX_DB, startDashboardStack, type DashboardStack } from "./stack.js";
import { committedDashboards, labelVariables, panelQueries, type DashboardJson } from "./targets.js";

let stack: DashboardStack;

/** A value of the Prometheus query `expr` now, or undefined. */
async function promValue(expr: string): Promise<number | undefined> {
  const r = await stack.prometheus.query(expr);
  return r[0] ? Number(r[0].value[1]) : undefined;
}

/**
 * Makes the running system produce what the panels show: delivered probe messages in both
 * directions (after Prometheus' first scrape, so increases are real), a failing check (IMAP down)
 * and a refused delivery (submission refusing AUTH), all pushed to the collector and exported.
 */
async function driveTraffic(): Promise<void> {
  const { agent, target } = stack;
  const deliveries = agent.deliveries!;
  await waitFor("both jobs scraped", async () => (await promValue("count(up == 1)")) === 2, {
    timeoutMs: 20_000,
  });
  await deliveries.ready();
  for (let i = 0; i < 2; i++) {
    await Promise.all([deliveries.sendNow("demo-receive"), deliveries.sendNow("demo-roundtrip")]);
  }
  const delivered = 'sum(mailsla_delivery_delay_seconds_count{direction=~"receive|roundtrip"})';
  await waitFor("four delivered probes scraped", async () => ((await promValue(delivered)) ?? 0) >= 4, {
    timeoutMs: 30_000,
  });
  // Two of each failure: increase() cannot see the first sample of a new label set (see docs). The
  // first refused send may meet the fault at MAIL on a session kept from the sends above (451,
  // stage mail), the next ones at AUTH on a new session (454, stage auth): three give two of one.
  target.setFault("submission", "refuse");
  for (let i = 0; i < 3; i++) {
    const refused = await deliveries.sendNow("demo-roundtrip");
    expect("failed" in refused, "a refused hand-over is a failed send").toBe(true);
    await sleep(1500); // one scrape between the two
  }
  target.setFault("submission", "none");
  target.setFault("imap", "down");
  const imapFailures = 'max(mailsla_check_failures_total{service="demo-imap"})';
  await waitFor(
    "two failed IMAP checks of one code scraped",
    async () => ((await promValue(imapFailures)) ?? 0) >= 2,
    {
      timeoutMs: 30_000,
    },
  );
  target.setFault("imap", "none");
  await agent.pusher!.flush();
  const exported = async (m: string) =>
    ((await stack.influxd.query(INFLUX_DB, `SELECT count(*) FROM "${m}"`)) as unknown[][]).length > 0;
  await waitFor(
    "checks and deliveries in InfluxDB",
    async () => (await exported("mailsla_check")) && exported("mailsla_delivery"),
    {
      timeoutMs: 20_000,
    },
  );
  await sleep(3000); // a few more scrapes after the last event
}

beforeAll(async () => {
  stack = await startDashboardStack();
  await driveTraffic();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

/** What one query or variable came to, and what was expected of it. */
interface Verdict {
  where: string;
  text: string;
  outcome: Outcome;
  listed: string | undefined;
}

async function labelsOf(d: DashboardJson, verdicts: Verdict[]): Promise<Record<string, string[]>> {
  const labels: Record<string, string[]> = {};
  for (const v of labelVariables(d)) {
    const selector = v.selector.replace(
      /\$(\w+)/g,
      (_, n: string) => `(${(labels[n] ?? []).join("|") || ".*"})`,
    );
    const values = await labelValues(stack.prometheus.url, selector, v.label);
    const listed = NO_DATA_YET.find((n) => n.pattern.test(v.selector))?.reason;
    verdicts.push({
      where: `${d.uid} $${v.name}`,
      text: selector,
      outcome: { series: values.length },
      listed,
    });
    labels[v.name] = values;
  }
  return labels;
}

async function runDashboard(d: DashboardJson, verdicts: Verdict[]): Promise<void> {
  const values: Values = {
    month: "0",
    labels: await labelsOf(d, verdicts),
    rateInterval: "30s",
    interval: "5s",
  };
  for (const q of panelQueries(d)) {
    const range = panelRange(q, Date.now(), d.timezone, values.month);
    const text = interpolate(q, range, values);
    const outcome =
      q.language === "promql"
        ? await runPromql(stack.prometheus.url, text, range, q.instant)
        : await runInfluxql(stack.influxd.url, INFLUX_DB, text);
    const listed = NO_DATA_YET.find((n) => n.pattern.test(q.text))?.reason;
    verdicts.push({ where: `${q.where} "${q.title}"`, text, outcome, listed });
  }
}

describe("dashboard queries against a running mailsla", () => {
  it("every panel query and variable returns data, except those listed with a reason", async () => {
    const verdicts: Verdict[] = [];
    for (const d of committedDashboards()) await runDashboard(d, verdicts);
    expect(verdicts.length).toBeGreaterThan(60);
    const problems = verdicts.flatMap((v) => {
      if ("error" in v.outcome) return [`${v.where}: query failed (${v.outcome.error}): ${v.text}`];
      if (v.listed === undefined && v.outcome.series === 0) return [`${v.where}: no data: ${v.text}`];
      if (v.listed !== undefined && v.outcome.series > 0) {
        return [
          `${v.where}: returns data now; remove it from test/dashboards/no-data-yet.ts ("${v.listed}")`,
        ];
      }
      return [];
    });
    expect(problems).toEqual([]);
    const unused = NO_DATA_YET.filter((n) => !verdicts.some((v) => v.listed === n.reason));
    expect(unused.map((n) => `stale entry in no-data-yet.ts, matches no query: ${n.reason}`)).toEqual([]);
    const listed = verdicts.filter((v) => v.listed !== undefined).map((v) => v.where);
    console.log(
      `${verdicts.length - listed.length} queries returned data; listed without data yet: ${listed.length}`,
    );
  });
});
