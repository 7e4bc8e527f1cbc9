/**
 * The pieces of the SLA wiring tests: an operator of 1M users in two segments probed from three
 * vantage points, a collector app with the real wiring and an injectable clock, and helpers that
 * push results through the real ingest API and read the exposition.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { buildCollector } from "../../collector/app.js";
import { createSlaSource, type SlaSource } from "../../collector/sla-source/wiring.js";
import { openStore, type CollectorStore } from "../../collector/store/index.js";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { Secret } from "../../config/secret.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import type { ProbeResult } from "../../contract/result.js";
import { ADMIN, bearer, tempDir, TOKENS } from "./fixtures.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** A wall-clock time in Asia/Shanghai (UTC+8, no daylight saving), e.g. local("2025-03-05T10:00"). */
export const local = (iso: string): number => Date.parse(`${iso}:00+08:00`);

process.env.MAILSLA_TEST_PROBE_PASSWORD ??= "probe-password";

/**
 * The operator: north 600k and south 400k of 1M users; mx serves both, imap north, pop south;
 * a submission service carries the 7.1.13 verdicts. Quorum 2 of 3, two failures in a row, every
 * service checked each minute, so the engine's lookback is (2 + 3) minutes.
 */
export const CONFIG_YAML = `
operator: { name: Test Mail, totalUsers: 1000000, timeZone: Asia/Shanghai }
segments: [{ name: north, users: 600000 }, { name: south, users: 400000 }]
vantagePoints: [{ name: a }, { name: b }, { name: c }]
accounts:
  probe: { username: probe@example.net, password: { env: MAILSLA_TEST_PROBE_PASSWORD } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - { name: imap, kind: imap, host: 127.0.0.1, account: probe, segments: [north] }
  - { name: pop, kind: pop3, host: 127.0.0.1, account: probe, segments: [south] }
  - { name: submission, kind: submission, host: 127.0.0.1, account: probe, foreignRecipient: x@foreign.example }
thresholds: { consecutiveFailures: 2, quorum: 2, staleAfterIntervals: 3 }
sink: { domain: "{vantage}.sink.example.net" }
deliveries:
  - { name: send, direction: send, via: submission, lossTimeout: 24h }
  - { name: receive, direction: receive, via: mx, mailbox: imap, lossTimeout: 24h }
  - { name: roundtrip, direction: roundtrip, via: submission, mailbox: imap, lossTimeout: 24h }
`;

/** The validated scenario configuration. */
export const config = (): Readonly<Config> => parseConfigText(CONFIG_YAML);

/** A settable clock. */
export class Clock {
  constructor(public t: number) {}
  readonly now = (): number => this.t;
  /** Moves to a local Shanghai time. */
  set(iso: string): void {
    this.t = local(iso);
  }
}

/** The collector app with the real SLA wiring on a temporary ledger. */
export interface SlaCollector {
  app: FastifyInstance;
  /** The ledger file. */
  file: string;
  store: CollectorStore;
  source: SlaSource;
  clock: Clock;
  close(): Promise<void>;
}

/** Builds it on the ledger `file` (a new one by default; an existing one is a restart). */
export async function slaCollector(
  clock: Clock,
  file = join(tempDir("mailsla-sla-"), "collector.sqlite"),
  cfg: Readonly<Config> = config(),
): Promise<SlaCollector> {
  const ledger = openStore(file);
  const source = createSlaSource(ledger, cfg, { now: clock.now });
  const app = buildCollector({
    store: ledger,
    registry: new Registry(),
    agentTokens: Object.fromEntries(Object.entries(TOKENS).map(([v, t]) => [v, new Secret(t)])),
    adminToken: new Secret(ADMIN),
    maxBatch: 5000,
    maxBodyBytes: 16 * 1024 * 1024,
    names: { segments: cfg.segments.map((s) => s.name), services: cfg.services.map((s) => s.name) },
    described: cfg,
    sla: source.wiring,
    now: clock.now,
  });
  await app.ready();
  return {
    app,
    file,
    store: ledger,
    source,
    clock,
    close: async () => {
      await app.close();
      await ledger.close();
    },
  };
}

type Vantage = keyof typeof TOKENS;

/** One check result a minute for `service` from each of `vantages` over `[from, to)`. */
export function checks(
  service: string,
  kind: ProbeResult["kind"],
  vantages: readonly Vantage[],
  from: number,
  to: number,
  fails: (vantage: Vantage, t: number) => boolean = () => false,
): ProbeResult[] {
  const out: ProbeResult[] = [];
  for (let t = from; t < to; t += MIN) {
    for (const vantage of vantages) {
      const failed = fails(vantage, t);
      out.push({
        id: randomUUID(),
        check: service,
        kind,
        vantage,
        startedAt: t,
        durationSeconds: 0.05,
        ok: !failed,
        phases: { connect: 0.01 },
        ...(failed ? { error: { code: "connect", stage: "connect", message: "ECONNREFUSED" } } : {}),
      } as ProbeResult);
    }
  }
  return out;
}

/** Failing from vantages `who` inside `[start, end)`. */
export const failing =
  (who: readonly Vantage[], start: number, end: number) =>
  (v: Vantage, t: number): boolean =>
    who.includes(v) && t >= start && t < end;

/** A delivery result of the delivery named for its direction; `over` sets the outcome and its fields. */
export function delivery(vantage: Vantage, over: Partial<DeliveryResult>): DeliveryResult {
  return {
    id: randomUUID(),
    delivery: over.direction ?? "receive",
    direction: "receive",
    vantage,
    token: "abcdefghijklmnopqrstuvwxyz",
    sentAt: 0,
    outcome: "delivered",
    ...over,
  } as DeliveryResult;
}

/** Pushes records through POST /api/v1/ingest, each agent with its own token; asserts 200. */
export async function push(
  app: FastifyInstance,
  records: readonly (ProbeResult | DeliveryResult)[],
): Promise<void> {
  for (const vantage of Object.keys(TOKENS) as Vantage[]) {
    const mine = records.filter((r) => r.vantage === vantage);
    for (let i = 0; i < mine.length; i += 5000) {
      const batch = mine
        .slice(i, i + 5000)
        .map((p) => ({ type: "token" in p ? "delivery" : "check", payload: p }));
      const r = await app.inject({
        method: "POST",
        url: "/api/v1/ingest",
        headers: bearer(TOKENS[vantage]),
        payload: { records: batch },
      });
      if (r.statusCode !== 200) throw new Error(`ingest answered ${r.statusCode}: ${r.body}`);
    }
  }
}

/**
 * The submission service accepts mail without authentication (7.1.13), seen once from a at
 * Mar 25 09:00: pushed at 09:01.
 */
export async function pushOpenSubmission(app: FastifyInstance, clock: Clock): Promise<void> {
  clock.set("2025-03-25T09:01");
  const open = checks(
    "submission",
    "submission",
    ["a"],
    local("2025-03-25T09:00"),
    local("2025-03-25T09:01"),
  );
  open[0] = {
    ...open[0]!,
    ok: false,
    error: { code: "auth-not-required", stage: "rcpt", message: "250 ok" },
  };
  await push(app, open);
}

/** A parsed JSON answer, read by the tests field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** An admin request; returns the parsed answer and its status. */
export async function admin(
  app: FastifyInstance,
  method: "GET" | "POST" | "PATCH",
  url: string,
  payload?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await app.inject({ method, url, headers: bearer(ADMIN), payload: payload as string });
  return { status: r.statusCode, body: r.json() };
}

/** One sample of an exposition, by metric name and labels that must all match. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}
