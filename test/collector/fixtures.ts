/**
 * Shared pieces of the collector tests: valid probe results, a collector app on a temporary
 * ledger with known tokens, and the configuration text a collector child process is started with.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { buildCollector, type CollectorDeps } from "../../collector/app.js";
import { openStore, type CollectorStore } from "../../collector/store/index.js";
import { Secret } from "../../config/secret.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import type { ProbeResult } from "../../contract/result.js";

/** Agent tokens by vantage point, used by every collector test. */
export const TOKENS = { a: "token-of-agent-a", b: "token-of-agent-b", c: "token-of-agent-c" } as const;
/** The admin token of every collector test: separate from the agent tokens, as in production. */
export const ADMIN = "token-of-the-admin";

/**
 * The time the fixtures' results carry: a day before the test run, on a whole minute. Results must
 * lie within the collector's horizon (400 days) and not ahead of its clock, as real ones do.
 */
export const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 86_400_000;

/**
 * What the fixtures' results are admitted against (collector/routes/admission.ts): the services of
 * {@link collectorConfigYaml} and its roundtrip delivery, as a real collector's configuration has them.
 */
export const DESCRIBED: CollectorDeps["described"] = {
  services: [
    { name: "mx", kind: "smtp" },
    { name: "imap", kind: "imap" },
    { name: "submission", kind: "submission" },
  ],
  deliveries: [{ name: "roundtrip", direction: "roundtrip", lossTimeout: 6 * 3_600_000 }],
  agent: { timeout: 30_000 },
};

const made: string[] = [];

/**
 * A fresh temporary directory, removed when the test process exits (and, with everything else, by
 * the run's temporary root: test/global-setup.ts).
 */
export function tempDir(prefix = "mailsla-collector-"): string {
  if (made.length === 0)
    process.once("exit", () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A valid check result of vantage `vantage`; fields may be overridden. */
export function checkResult(vantage: string, over: Partial<ProbeResult> = {}): ProbeResult {
  return {
    id: randomUUID(),
    check: "mx",
    kind: "smtp",
    vantage,
    startedAt: T0,
    durationSeconds: 0.042,
    ok: true,
    phases: { connect: 0.001, banner: 0.02 },
    ...over,
  };
}

/** A valid delivery result (delivered) of vantage `vantage`; fields may be overridden. */
export function deliveryResult(vantage: string, over: Partial<DeliveryResult> = {}): DeliveryResult {
  return {
    id: randomUUID(),
    delivery: "roundtrip",
    direction: "roundtrip",
    vantage,
    token: "abcdefghijklmnopqrstuvwxyz",
    sentAt: T0,
    outcome: "delivered",
    delaySeconds: 1.5,
    errorBoundSeconds: 0.5,
    clock: "monotonic",
    ...over,
  };
}

/** `n` results of one vantage point, one a minute from `start`, every fifth failing. */
export function resultSeries(
  vantage: string,
  n: number,
  start = T0 - n * 60_000,
  check = "mx",
): ProbeResult[] {
  return Array.from({ length: n }, (_, i) =>
    checkResult(vantage, {
      check,
      startedAt: start + i * 60_000,
      ok: i % 5 !== 4,
      ...(i % 5 === 4 ? { error: { code: "connect", stage: "connect", message: "ECONNREFUSED" } } : {}),
    }),
  );
}

/** A collector app on a temporary ledger. */
export interface TestCollector {
  app: FastifyInstance;
  store: CollectorStore;
  registry: Registry;
  close(): Promise<void>;
}

/** Builds the app with the test tokens; `over` replaces any dependency. */
export async function testCollector(over: Partial<CollectorDeps> = {}): Promise<TestCollector> {
  const store = over.store ?? openStore(join(tempDir(), "collector.sqlite"));
  const registry = over.registry ?? new Registry();
  const app = buildCollector({
    store,
    registry,
    agentTokens: Object.fromEntries(Object.entries(TOKENS).map(([v, t]) => [v, new Secret(t)])),
    adminToken: new Secret(ADMIN),
    maxBatch: 100,
    maxBodyBytes: 64 * 1024,
    names: { segments: ["north", "south"], services: ["mx", "imap"] },
    described: DESCRIBED,
    ...over,
  });
  await app.ready();
  return {
    app,
    store,
    registry,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** The Authorization header of a token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** A mailsla configuration with a collector section (tokens from the environment). */
export function collectorConfigYaml(o: { listen: string; dataDir: string; influxUrl?: string }): string {
  const influx = o.influxUrl
    ? `\n  influx: { url: "${o.influxUrl}", database: mailsla_test, flushInterval: 100ms }`
    : "";
  return `
operator: { name: Test Mail, totalUsers: 1000 }
segments: [{ name: north, users: 600 }, { name: south, users: 400 }]
vantagePoints: [{ name: a }, { name: b }, { name: c }]
accounts:
  probe: { username: probe@example.net, password: { env: MAILSLA_TEST_PROBE_PASSWORD } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - { name: imap, kind: imap, host: 127.0.0.1, account: probe }
  - { name: submission, kind: submission, host: 127.0.0.1, account: probe, foreignRecipient: x@foreign.example }
deliveries:
  - { name: roundtrip, direction: roundtrip, via: submission, mailbox: imap }
collector:
  listen: "${o.listen}"
  dataDir: "${o.dataDir}"
  agentTokens:
    a: { env: MAILSLA_TEST_TOKEN_A }
    b: { env: MAILSLA_TEST_TOKEN_B }
    c: { env: MAILSLA_TEST_TOKEN_C }
  adminToken: { env: MAILSLA_TEST_ADMIN_TOKEN }${influx}
`;
}

/** The environment {@link collectorConfigYaml} reads its tokens from. */
export const TOKEN_ENV = {
  MAILSLA_TEST_TOKEN_A: TOKENS.a,
  MAILSLA_TEST_TOKEN_B: TOKENS.b,
  MAILSLA_TEST_TOKEN_C: TOKENS.c,
  MAILSLA_TEST_ADMIN_TOKEN: ADMIN,
  MAILSLA_TEST_PROBE_PASSWORD: "probe-password",
};
