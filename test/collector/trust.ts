/**
 * A real collector (startCollector: the listening server, its limits and readiness) on a free
 * loopback port and a temporary ledger, for the trust-boundary tests: what it admits, how it
 * answers bad admin times, how it treats idle and slow sockets, and what /readyz says.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { createLogger } from "../../contract/log.js";
import { ADMIN, bearer, tempDir, TOKEN_ENV, TOKENS } from "./fixtures.js";

/**
 * The configuration: mx checked from a and b only, imap and submission from all, a roundtrip
 * delivery from all (loss timeout 6 h), a send delivery from a only; `extraServices` adds YAML
 * service lines, `limits` a collector.limits block.
 */
export function trustConfigYaml(o: { dataDir: string; limits?: string; extraServices?: string }): string {
  return `
operator: { name: Test Mail, totalUsers: 1000 }
segments: [{ name: north, users: 600 }, { name: south, users: 400 }]
vantagePoints: [{ name: a }, { name: b }, { name: c }]
accounts:
  probe: { username: probe@example.net, password: { env: MAILSLA_TEST_PROBE_PASSWORD } }
sink: { domain: "{vantage}.sink.example.net" }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1, vantagePoints: [a, b] }
  - { name: imap, kind: imap, host: 127.0.0.1, account: probe }
  - { name: submission, kind: submission, host: 127.0.0.1, account: probe, foreignRecipient: x@foreign.example }${o.extraServices ?? ""}
deliveries:
  - { name: roundtrip, direction: roundtrip, via: submission, mailbox: imap }
  - { name: send, direction: send, via: submission, vantagePoints: [a] }
collector:
  listen: "127.0.0.1:0"
  dataDir: "${o.dataDir}"
  agentTokens:
    a: { env: MAILSLA_TEST_TOKEN_A }
    b: { env: MAILSLA_TEST_TOKEN_B }
    c: { env: MAILSLA_TEST_TOKEN_C }
  adminToken: { env: MAILSLA_TEST_ADMIN_TOKEN }
  maxBodyBytes: 65536
${o.limits ? `  limits: ${o.limits}\n` : ""}`;
}

/** A started collector, its base URL, and helpers that talk to it over HTTP. */
export interface TrustCollector {
  running: RunningCollector;
  config: Readonly<Config>;
  url: string;
  dataDir: string;
  ingest(vantage: keyof typeof TOKENS, records: unknown[]): Promise<{ status: number; body: IngestAnswer }>;
  admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  counts(): Promise<{ checks: number; deliveries: number }>;
  close(): Promise<void>;
}

/** The ingest answer as the tests read it. */
export interface IngestAnswer {
  accepted?: number;
  code?: string;
  message?: string;
  records?: number[];
  refusals?: { record: number; field: string; rule: string; message: string }[];
}

/** Starts one on `dataDir` (a new temporary one by default), removed by close() when it made it. */
export async function trustCollector(
  o: { dataDir?: string; limits?: string; extraServices?: string; keep?: boolean } = {},
): Promise<TrustCollector> {
  Object.assign(process.env, TOKEN_ENV);
  const dataDir = o.dataDir ?? tempDir("mailsla-trust-");
  const config = parseConfigText(trustConfigYaml({ ...o, dataDir }), "trust.yaml");
  const running = await startCollector(config, { log: createLogger("trust-test", "silent") });
  const url = running.address;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...bearer(token), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    running,
    config,
    url,
    dataDir,
    ingest: async (vantage, records) => {
      const r = await call("POST", "/api/v1/ingest", TOKENS[vantage], { records });
      return { status: r.status, body: r.body as IngestAnswer };
    },
    admin: (method, path, body) => call(method, path, ADMIN, body),
    counts: () => running.store.results.counts(),
    close: async () => {
      await running.close();
      if (!o.keep && !o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The ledger file of a data directory. */
export const ledgerOf = (dataDir: string): string => join(dataDir, "collector.sqlite");
