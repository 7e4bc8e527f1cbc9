import { IANAZone } from "luxon";
import { z } from "zod";
import { Collector } from "./collector.js";
import { Report } from "./report.js";
import { checkDeliveryReferences, Delivery, Sink } from "./delivery.js";
import { Duration } from "./duration.js";
import { SecretRef } from "./secret.js";
import { Service } from "./services.js";

/**
 * The one schema of mailsla's YAML configuration. Unknown keys are errors everywhere (a typo must
 * not silently fall back to a default), and cross-references (accounts, segments, vantage points)
 * are checked here so nothing later meets a dangling name.
 */

const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'");

/** The operator whose promise is measured: its time zone defines calendar days, months and years. */
export const Operator = z.strictObject({
  name: z.string().min(1),
  timeZone: z
    .string()
    .default("Asia/Shanghai")
    .refine((tz) => IANAZone.isValidZone(tz), { error: "expected an IANA time zone such as Asia/Shanghai" }),
  totalUsers: z.number().int().positive(),
});

/** A group of users served by the same part of the system; its user count weights its faults (7.1.2). */
export const Segment = z.strictObject({ name: Name, users: z.number().int().nonnegative() });

/** One place a probe agent runs from. */
export const VantagePoint = z.strictObject({ name: Name, location: z.string().optional() });

/** A probe mailbox account; the password comes from the environment or a file. */
export const Account = z.strictObject({ username: z.string().min(1), password: SecretRef });

/** When a run of failures becomes a fault: consecutive failures per vantage point, and the quorum. */
export const Thresholds = z.strictObject({
  consecutiveFailures: z.number().int().min(1).default(2),
  quorum: z.number().int().min(1).default(2),
  staleAfterIntervals: z.number().min(1).default(3),
});

/** How the probe agent schedules checks and where it serves /metrics. */
export const Agent = z.strictObject({
  listen: z
    .string()
    .regex(/^[^:]+:\d{1,5}$/, "expected host:port, e.g. 127.0.0.1:9469")
    .default("127.0.0.1:9469"),
  interval: Duration.default(60_000),
  timeout: Duration.default(30_000),
  jitter: z.number().min(0).max(1).default(0.1),
  concurrency: z.number().int().min(1).max(256).default(8),
  /**
   * This agent's collector token (one per vantage point; e.g. `{ env: MAILSLA_AGENT_TOKEN }` set per
   * host). Falls back to `collector.agentTokens.<vantage>` when the collector runs in this process.
   */
  token: SecretRef.optional(),
  /** Where the agent keeps its durable state (in-flight probe messages, results not yet delivered). */
  stateDir: z.string().min(1).default("./var"),
  /**
   * How hard the agent may press on one target host (probes/net/host-limits.ts): probe hand-overs
   * open at once, and logins per second (hand-overs with AUTH, mailbox watchers logging in), so many
   * probe mailboxes never look like an attack. Keep `loginsPerSecond` above the steady rate of
   * authenticated sends to one host, or sends queue until their timeout.
   */
  hostLimits: z
    .strictObject({
      connections: z.number().int().min(1).max(1024).default(8),
      loginsPerSecond: z.number().positive().max(1000).default(20),
    })
    .default({ connections: 8, loginsPerSecond: 20 }),
});

/**
 * The operator's policies of the SLA engine that DESIGN leaves to them. `lateNoticeCountsAs`: down
 * time inside a maintenance window announced less than 24 h ahead (a 6.1.6 violation) counts as
 * fault (the default, the strict reading) or as maintenance; the report says which was used.
 */
export const SlaPolicy = z.strictObject({
  lateNoticeCountsAs: z.enum(["fault", "maintenance"]).default("fault"),
});

/** The whole configuration file. */
export const Config = z
  .strictObject({
    operator: Operator,
    segments: z.array(Segment).min(1),
    vantagePoints: z.array(VantagePoint).min(1),
    accounts: z.record(Name, Account).default({}),
    services: z.array(Service).min(1),
    thresholds: Thresholds.default({ consecutiveFailures: 2, quorum: 2, staleAfterIntervals: 3 }),
    agent: Agent.default({
      listen: "127.0.0.1:9469",
      interval: 60_000,
      timeout: 30_000,
      jitter: 0.1,
      concurrency: 8,
      stateDir: "./var",
      hostLimits: { connections: 8, loginsPerSecond: 20 },
    }),
    sla: SlaPolicy.default({ lateNoticeCountsAs: "fault" }),
    collector: Collector.optional(),
    report: Report.optional(),
    sink: Sink.optional(),
    deliveries: z.array(Delivery).default([]),
  })
  .superRefine((c, ctx) => {
    checkReferences(c, ctx);
    checkDeliveryReferences(c, ctx);
  });

/** A validated configuration, defaults applied and secrets resolved. */
export type Config = z.infer<typeof Config>;

type Raw = z.infer<typeof Config>;

function unique(names: string[], path: (string | number)[], what: string, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n))
      ctx.addIssue({ code: "custom", path: [...path, i, "name"], message: `duplicate ${what} "${n}"` });
    seen.add(n);
  });
}

function checkReferences(c: Raw, ctx: z.RefinementCtx): void {
  unique(
    c.segments.map((s) => s.name),
    ["segments"],
    "segment",
    ctx,
  );
  unique(
    c.vantagePoints.map((v) => v.name),
    ["vantagePoints"],
    "vantage point",
    ctx,
  );
  unique(
    c.services.map((s) => s.name),
    ["services"],
    "service",
    ctx,
  );
  const users = c.segments.reduce((n, s) => n + s.users, 0);
  if (users > c.operator.totalUsers) {
    ctx.addIssue({
      code: "custom",
      path: ["segments"],
      message: `segments hold ${users} users, more than operator.totalUsers (${c.operator.totalUsers})`,
    });
  }
  if (c.thresholds.quorum > c.vantagePoints.length) {
    ctx.addIssue({
      code: "custom",
      path: ["thresholds", "quorum"],
      message: `quorum ${c.thresholds.quorum} exceeds the ${c.vantagePoints.length} vantage point(s): no fault could ever be declared`,
    });
  }
  const segments = new Set(c.segments.map((s) => s.name));
  const vantages = new Set(c.vantagePoints.map((v) => v.name));
  c.services.forEach((s, i) => {
    s.segments?.forEach((name, j) => {
      if (!segments.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "segments", j],
          message: `unknown segment "${name}"`,
        });
      }
    });
    s.vantagePoints?.forEach((name, j) => {
      if (!vantages.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "vantagePoints", j],
          message: `unknown vantage point "${name}"`,
        });
      }
    });
    for (const [account, path] of accountRefs(s)) {
      if (!(account in c.accounts)) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, ...path],
          message: `unknown account "${account}"; define it under accounts`,
        });
      }
    }
  });
}

function accountRefs(s: Raw["services"][number]): [string, string[]][] {
  const refs: [string, string[]][] = [];
  if ("account" in s) refs.push([s.account, ["account"]]);
  if (s.kind === "webmail" && s.login) refs.push([s.login.account, ["login", "account"]]);
  return refs;
}
