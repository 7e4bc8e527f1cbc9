/**
 * A collector ledger with a March 2025 worth reporting, written the way production writes it: three
 * agents push through POST /api/v1/ingest and the operator declares windows, annotates incidents
 * and enters values through the admin API, on an injected clock. Also a December 2024 outage (the
 * trend) and a July 2025 one (the year's fault days), so the report's reads beyond its month show.
 * The configuration is the SLA scenario's (test/collector/sla-scenario.ts) with a collector
 * section, so `mailsla report --config` and the collector compute with the same setup.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ledgerPath } from "../../collector/server.js";
import { ADMIN, TOKEN_ENV, tempDir } from "../collector/fixtures.js";
import {
  admin,
  checks,
  Clock,
  CONFIG_YAML,
  delivery,
  failing,
  local,
  push,
  pushOpenSubmission,
  slaCollector,
  type SlaCollector,
} from "../collector/sla-scenario.js";

/** The seeded month and what the engine makes of it by hand (see {@link seedLedger}). */
export const SEED = {
  month: "2025-03",
  /** 7.1.2: 50 min × 0.6 (imap, north) + 20 min × 1 (late mx window) + 60 min × 0.4 (mx, south). */
  faultMinutes: 74,
  /** The incident marked force majeure. */
  forceMajeure: "north@2025-03-20T06:00:00.000Z",
} as const;

/** The environment the configuration's secrets come from (tokens, the probe password). */
export const SEED_ENV: Record<string, string> = {
  ...TOKEN_ENV,
  MAILSLA_TEST_PROBE_PASSWORD: process.env.MAILSLA_TEST_PROBE_PASSWORD ?? "probe-password",
};

/**
 * The configuration text with a collector section on `dataDir`, `extra` sections appended and
 * `accounts` lines ("  name: { ... }") added to the scenario's accounts.
 */
export function seedConfigYaml(dataDir: string, extra = "", accounts = ""): string {
  const base = CONFIG_YAML.replace("accounts:\n", `accounts:\n${accounts}`);
  return `${base}collector:
  listen: "127.0.0.1:0"
  dataDir: "${dataDir}"
  agentTokens: { a: { env: MAILSLA_TEST_TOKEN_A }, b: { env: MAILSLA_TEST_TOKEN_B }, c: { env: MAILSLA_TEST_TOKEN_C } }
  adminToken: { env: MAILSLA_TEST_ADMIN_TOKEN }
${extra}`;
}

/** A seeded ledger in a new directory, and its configuration file. */
export interface SeededLedger {
  readonly dir: string;
  readonly dataDir: string;
  readonly configFile: string;
}

/** Outages, windows and verdicts of March (the SLA API scenario's, shortened). */
async function march(app: SlaCollector["app"], clock: Clock): Promise<void> {
  clock.set("2025-03-05T11:31");
  const e1 = failing(["a", "b"], local("2025-03-05T10:00"), local("2025-03-05T10:50"));
  await push(
    app,
    checks("imap", "imap", ["a", "b", "c"], local("2025-03-05T09:30"), local("2025-03-05T11:30"), e1),
  );
  clock.set("2025-03-08T02:00");
  const w1 = { start: local("2025-03-10T02:00"), end: local("2025-03-10T03:00"), services: ["pop"] };
  expect200(await admin(app, "POST", "/api/v1/maintenance", w1));
  clock.set("2025-03-10T03:31");
  const e2 = failing(["a", "b", "c"], local("2025-03-10T02:10"), local("2025-03-10T02:40"));
  await push(
    app,
    checks("pop", "pop3", ["a", "b", "c"], local("2025-03-10T01:30"), local("2025-03-10T03:30"), e2),
  );
  clock.set("2025-03-15T20:00");
  const w2 = { start: local("2025-03-16T02:00"), end: local("2025-03-16T03:00"), services: ["mx"] };
  expect200(await admin(app, "POST", "/api/v1/maintenance", w2));
  clock.set("2025-03-20T15:31");
  const e3 = failing(["a", "b", "c"], local("2025-03-16T02:00"), local("2025-03-16T02:20"));
  const e4 = failing(["a", "b"], local("2025-03-20T14:00"), local("2025-03-20T15:00"));
  await push(app, [
    ...checks("mx", "smtp", ["a", "b", "c"], local("2025-03-16T01:30"), local("2025-03-16T03:00"), e3),
    ...checks("mx", "smtp", ["a", "b", "c"], local("2025-03-20T13:30"), local("2025-03-20T15:30"), e4),
  ]);
  const fm = { cause: "fibre cut", forceMajeure: { reason: "earthquake cut both fibre routes" } };
  expect200(await admin(app, "PATCH", `/api/v1/incidents/${SEED.forceMajeure}/annotation`, fm));
  await pushOpenSubmission(app, clock);
}

/** Delivery results of March and the month's entered values. */
async function marchDeliveries(app: SlaCollector["app"], clock: Clock): Promise<void> {
  clock.set("2025-03-28T12:00");
  const sent = (at: string, delaySeconds: number) =>
    delivery("a", {
      direction: "send",
      sentAt: local(at),
      delaySeconds,
      errorBoundSeconds: 0.5,
      clock: "monotonic",
    });
  await push(app, [
    sent("2025-03-03T10:00", 30),
    sent("2025-03-12T08:00", 11_100),
    delivery("b", {
      sentAt: local("2025-03-03T11:00"),
      delaySeconds: 60,
      errorBoundSeconds: 2,
      clock: "monotonic",
    }),
    delivery("b", {
      sentAt: local("2025-03-04T11:00"),
      outcome: "spam",
      delaySeconds: 400,
      errorBoundSeconds: 1,
      clock: "monotonic",
    }),
    delivery("c", { sentAt: local("2025-03-12T09:00"), outcome: "lost", ageSeconds: 86_400 }),
  ]);
  const entries = [
    { clause: "7.1.1", value: true },
    { clause: "7.1.6", value: 0.00002, note: "billing audit, March" },
    { clause: "7.2.2", value: 3 },
  ];
  const r = await app.inject({
    method: "PUT",
    url: `/api/v1/manual/${SEED.month}`,
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { entries },
  });
  expect200({ status: r.statusCode, body: r.body });
}

/** A 30-minute imap outage in December 2024 and a 90-minute mx one across midnight in July 2025. */
async function otherMonths(app: SlaCollector["app"], clock: Clock): Promise<void> {
  clock.set("2025-07-10T02:00");
  const dec = failing(["a", "b", "c"], local("2024-12-10T10:00"), local("2024-12-10T10:30"));
  const jul = failing(["a", "b", "c"], local("2025-07-09T23:30"), local("2025-07-10T01:00"));
  await push(app, [
    ...checks("imap", "imap", ["a", "b", "c"], local("2024-12-10T09:30"), local("2024-12-10T11:00"), dec),
    ...checks("mx", "smtp", ["a", "b", "c"], local("2025-07-09T23:00"), local("2025-07-10T01:30"), jul),
  ]);
}

function expect200(r: { status: number; body: unknown }): void {
  if (r.status >= 300) throw new Error(`admin API answered ${r.status}: ${JSON.stringify(r.body)}`);
}

/**
 * Writes the history into a new ledger through a collector app on it, then closes the app: the
 * ledger is left as a collector leaves it; `extra` and `accounts` go into its configuration
 * ({@link seedConfigYaml}).
 */
export async function seedLedger(extra = "", accounts = ""): Promise<SeededLedger> {
  const dir = tempDir("mailsla-report-ledger-");
  const dataDir = join(dir, "data");
  const clock = new Clock(local("2024-12-01T00:00"));
  const c = await slaCollector(clock, ledgerPath(dataDir));
  try {
    await march(c.app, clock);
    await marchDeliveries(c.app, clock);
    await otherMonths(c.app, clock);
  } finally {
    await c.close();
  }
  const configFile = join(dir, "mailsla.yaml");
  writeFileSync(configFile, seedConfigYaml(dataDir, extra, accounts));
  return { dir, dataDir, configFile };
}

/** The collector app on a seeded ledger, its clock at `now`: what GET /api/v1/sla answers then. */
export async function apiOn(ledger: SeededLedger, now = Date.now()): Promise<SlaCollector> {
  return slaCollector(new Clock(now), ledgerPath(ledger.dataDir));
}

/** GET `url` with the admin token; the parsed answer. */
export async function apiGet(c: SlaCollector, url: string): Promise<unknown> {
  const r = await c.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${ADMIN}` } });
  if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}: ${r.body}`);
  return r.json();
}
