import { z } from "zod";
import { Duration } from "./duration.js";
import type { Config } from "./schema.js";
import { SecretRef, type Secret } from "./secret.js";

/**
 * The `collector` section of the configuration: where the collector listens, where agents push
 * to, where its ledger lives, who may push (one token per vantage point) and who may administer.
 * Optional in the file: an agent-only host needs none of it.
 */

const HostPort = z.string().regex(/^[^:]+:\d{1,5}$/, "expected host:port, e.g. 127.0.0.1:9470");
const HttpUrl = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" });
const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'");

/** InfluxDB 1.x receiving an export of the time series for Grafana (never the ledger). */
export const InfluxExport = z.strictObject({
  url: HttpUrl,
  database: Name.default("mailsla"),
  username: z.string().min(1).optional(),
  password: SecretRef.optional(),
  /** Points per write request. */
  batchSize: z.number().int().min(1).max(50_000).default(5000),
  /** How long new points may wait before a write; the longest delay after a failure. */
  flushInterval: Duration.default(1000),
  maxRetryDelay: Duration.default(30_000),
});
export type InfluxExport = z.infer<typeof InfluxExport>;

const MiB = 1024 * 1024;

/**
 * The PostgreSQL ledger (docs/scaling.md): several collector replicas may share it. The password
 * may be in the URL or, better, a secret reference of its own.
 */
export const PostgresStore = z.strictObject({
  url: z
    .string()
    .regex(
      /^postgres(ql)?:\/\/[^\s]+$/,
      "expected a postgres:// URL, e.g. postgres://mailsla@db.example.net:5432/mailsla",
    ),
  password: SecretRef.optional(),
  /** Connections each collector holds at most. */
  poolSize: z.number().int().min(1).max(500).default(10),
  /** How long to wait for a connection from the server. */
  connectTimeout: Duration.default(10_000),
  /** A statement running longer is cancelled by the server. */
  statementTimeout: Duration.default(60_000),
});
export type PostgresStore = z.infer<typeof PostgresStore>;

const DAY = 86_400_000;

/**
 * How long raw check results are kept before compaction (collector/store/compaction.ts) keeps only
 * their state runs, from which the same figures come out. At least 60 days (what Order 38 art. 10
 * asks a provider to keep of its logs); 400 days by default, so any month of the last year can be
 * recomputed from raw results.
 */
export const Retention = z.strictObject({
  raw: Duration.default(400 * DAY).refine((ms) => ms >= 60 * DAY, {
    message: "at least 60d: raw results are kept at least 60 days (Order 38 art. 10)",
  }),
  /** How often the collector looks for results to compact. */
  every: Duration.default(3_600_000),
});

/** Where the ledger is: the SQLite file in `dataDir` (the default), or PostgreSQL. */
export const LedgerStore = z.strictObject({
  postgres: PostgresStore.optional(),
});

/**
 * What the collector lets in and for how long (docs/security.md): what an agent's clock may be ahead,
 * how old a result may be, how long a connection may idle or take to send its request, how many
 * connections it holds, how long an admin window may be, and the free disk below which it says it is
 * not ready. Every limit has a safe default; an operator behind a reverse proxy rarely changes them.
 */
export const CollectorLimits = z.strictObject({
  /** How far ahead of the collector's clock a result's time may be (an agent's clock drift). */
  maxClockSkew: Duration.default(5 * 60_000),
  /** How old a result may be when it arrives: the retention of raw results (400 days). */
  horizon: Duration.default(400 * 86_400_000),
  /** A request must be read and answered within this. */
  requestTimeout: Duration.default(30_000),
  /** The request line and headers must arrive within this. */
  headersTimeout: Duration.default(10_000),
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeout: Duration.default(5_000),
  /** A socket with no traffic at all is closed after this. */
  idleTimeout: Duration.default(60_000),
  /** Open connections at most; more are refused at once (keep it below the process's fd limit). */
  maxConnections: z.number().int().min(8).max(1_000_000).default(512),
  /** The longest maintenance window or force-majeure span the admin API takes. */
  maxWindow: Duration.default(31 * 86_400_000),
  /** Readiness fails when the ledger's file system has less free space than this (bytes). */
  minFreeBytes: z
    .number()
    .int()
    .min(0)
    .default(256 * MiB),
  /** How often the ledger's integrity is checked (PRAGMA quick_check); also at start. */
  integrityCheckInterval: Duration.default(6 * 3_600_000),
});
export type CollectorLimits = z.infer<typeof CollectorLimits>;

/** The collector's settings; `url` defaults to plain HTTP on `listen`. */
export const Collector = z
  .strictObject({
    listen: HostPort.default("127.0.0.1:9470"),
    /**
     * What agents push to (a reverse proxy's https:// URL in production), or a list of collector
     * URLs: the agent fails over to the next one when a push fails (several replicas, or a standby).
     */
    url: z.union([HttpUrl, z.array(HttpUrl).min(1).max(16)]).optional(),
    /** The directory of the SQLite ledger (collector.sqlite) and the report archive. */
    dataDir: z.string().min(1).default("./var/collector"),
    /** The ledger: SQLite in `dataDir` unless `store.postgres` is given. */
    store: LedgerStore.default({}),
    /** Raw results are compacted after `retention.raw` (400 days by default). */
    retention: Retention.default(Retention.parse({})),
    /**
     * One bearer token per vantage point: the token is the agent's identity. Needed where the
     * collector runs; an agent-only host leaves it out and sets `agent.token` instead.
     */
    agentTokens: z.record(Name, SecretRef).default({}),
    /** Grants the admin API (maintenance, incidents, manual indicators); needed where the collector runs. */
    adminToken: SecretRef.optional(),
    /** Records per ingest request; more is answered 413 and the agent halves its batch. */
    maxBatch: z.number().int().min(1).max(100_000).default(1000),
    /** Bytes per request body (413 beyond). */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    influx: InfluxExport.optional(),
    limits: CollectorLimits.default(CollectorLimits.parse({})),
  })
  .superRefine((c, ctx) => distinctTokens(c.agentTokens, c.adminToken, ctx))
  .transform((c) => {
    const urls = c.url === undefined ? [`http://${c.listen}`] : typeof c.url === "string" ? [c.url] : c.url;
    /** `url` is the first (preferred) collector; `urls` all of them, in the order agents try them. */
    return { ...c, url: urls[0]!, urls };
  });
export type Collector = z.infer<typeof Collector>;

/** Two agents sharing a token could push as each other, and the admin token must grant nothing else. */
function distinctTokens(
  agents: Record<string, Secret>,
  admin: Secret | undefined,
  ctx: z.RefinementCtx,
): void {
  const owner = new Map<string, string>();
  for (const [vantage, secret] of Object.entries(agents)) {
    const token = secret.reveal();
    const other = owner.get(token);
    if (other !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["agentTokens", vantage],
        message: `same token as vantage point "${other}": each agent needs its own`,
      });
    }
    if (admin && token === admin.reveal()) {
      ctx.addIssue({
        code: "custom",
        path: ["agentTokens", vantage],
        message: "same token as adminToken: an agent token must not grant admin rights",
      });
    }
    owner.set(token, vantage);
  }
}

/**
 * Cross-references of the collector section against the rest of the file (tokens for known
 * vantage points only), as `key.path: message` lines. Checked when the collector starts, since
 * the section's schema cannot see its siblings.
 */
export function collectorProblems(config: Pick<Config, "vantagePoints">, c: Collector): string[] {
  const known = new Set(config.vantagePoints.map((v) => v.name));
  const problems = Object.keys(c.agentTokens)
    .filter((name) => !known.has(name))
    .map((name) => `collector.agentTokens.${name}: unknown vantage point "${name}"`);
  if (!c.adminToken)
    problems.push("collector.adminToken: missing; the collector's admin API needs its own token");
  if (Object.keys(c.agentTokens).length === 0) {
    problems.push("collector.agentTokens: missing; without one token per vantage point no agent can push");
  }
  return problems;
}
