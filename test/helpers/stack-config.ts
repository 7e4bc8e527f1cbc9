import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import type { MailStack } from "../stack/mail-stack.js";

/**
 * A mailsla configuration (YAML text) that probes a running test stack: one service per kind the
 * stack serves (smtp, submission, imap, pop3), verified against the stack's CA under its host name,
 * with the probe accounts and tokens as `{ env: ... }` secrets, never inline. Exists so every test
 * that runs real agents and a real collector against Postfix + Dovecot builds the same, valid file
 * instead of copying one by hand.
 */

/** The parts of a stack the configuration points at. */
export type StackEndpoints = Pick<
  MailStack,
  "host" | "hostname" | "ports" | "users" | "caFile" | "foreignDomain"
>;

/** What to vary; every field has a test-friendly default. */
export interface StackConfigOptions {
  /** Vantage point names (default three: vp-a, vp-b, vp-c). */
  readonly vantagePoints?: readonly string[];
  /** `thresholds.quorum` (default 2) and `thresholds.consecutiveFailures` (default 2). */
  readonly quorum?: number;
  readonly consecutiveFailures?: number;
  /** `agent.interval` and `agent.timeout` as config durations (default "1s" and "3s"). */
  readonly interval?: string;
  readonly timeout?: string;
  /** `agent.stateDir` (agents started with their own `statePath` ignore it). */
  readonly stateDir: string;
  /** Adds a `collector` section listening on `listen` with its ledger in `dataDir`. */
  readonly collector?: { readonly listen: string; readonly dataDir: string };
  /** Prefix of the environment variables that hold the secrets (default MAILSLA_STACK). */
  readonly envPrefix?: string;
}

/** The file and the environment its `{ env: ... }` secrets read: set `env` before parsing `yaml`. */
export interface StackConfig {
  readonly yaml: string;
  readonly env: Readonly<Record<string, string>>;
  /** The services in the file, by kind: the names tests assert on. */
  readonly services: {
    readonly smtp: string;
    readonly submission: string;
    readonly imap: string;
    readonly pop3: string;
  };
}

const SERVICES = { smtp: "smtp", submission: "submission", imap: "imap", pop3: "pop3" } as const;

/** An environment variable name for a vantage point's token: VP-A becomes VP_A. */
const envName = (...parts: string[]) =>
  parts
    .join("_")
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_");

/** Builds the configuration for `stack`; tokens are fresh random values per call. */
export function stackConfig(stack: StackEndpoints, o: StackConfigOptions): StackConfig {
  const prefix = o.envPrefix ?? "MAILSLA_STACK";
  const vantages = o.vantagePoints ?? ["vp-a", "vp-b", "vp-c"];
  const env: Record<string, string> = {
    [envName(prefix, "PROBE1_PASSWORD")]: stack.users.probe1.pass,
    [envName(prefix, "PROBE2_PASSWORD")]: stack.users.probe2.pass,
  };
  const config: Record<string, unknown> = {
    operator: { name: "Test stack", timeZone: "UTC", totalUsers: 1000 },
    segments: [{ name: "all", users: 1000 }],
    vantagePoints: vantages.map((name) => ({ name })),
    accounts: {
      probe1: { username: stack.users.probe1.user, password: { env: envName(prefix, "PROBE1_PASSWORD") } },
      probe2: { username: stack.users.probe2.user, password: { env: envName(prefix, "PROBE2_PASSWORD") } },
    },
    services: stackServices(stack),
    thresholds: { consecutiveFailures: o.consecutiveFailures ?? 2, quorum: o.quorum ?? 2 },
    agent: { interval: o.interval ?? "1s", timeout: o.timeout ?? "3s", stateDir: o.stateDir },
  };
  if (o.collector) {
    const agentTokens: Record<string, { env: string }> = {};
    for (const vantage of vantages) {
      const name = envName(prefix, "TOKEN", vantage);
      env[name] = randomBytes(16).toString("hex");
      agentTokens[vantage] = { env: name };
    }
    env[envName(prefix, "ADMIN_TOKEN")] = randomBytes(16).toString("hex");
    config.collector = {
      ...o.collector,
      agentTokens,
      adminToken: { env: envName(prefix, "ADMIN_TOKEN") },
    };
  }
  return { yaml: stringify(config), env, services: SERVICES };
}

/** One service per kind, on the stack's ports, TLS verified against its CA under its host name. */
function stackServices(stack: StackEndpoints): Record<string, unknown>[] {
  const tls = (mode: "starttls" | "implicit") => ({ mode, caFile: stack.caFile, servername: stack.hostname });
  const host = stack.host;
  return [
    { name: SERVICES.smtp, kind: "smtp", host, port: stack.ports.smtp, tls: tls("starttls") },
    {
      name: SERVICES.submission,
      kind: "submission",
      host,
      port: stack.ports.submission,
      tls: tls("starttls"),
      account: "probe1",
      foreignRecipient: `probe@${stack.foreignDomain}`,
    },
    {
      name: SERVICES.imap,
      kind: "imap",
      host,
      port: stack.ports.imaps,
      tls: tls("implicit"),
      account: "probe1",
    },
    {
      name: SERVICES.pop3,
      kind: "pop3",
      host,
      port: stack.ports.pop3s,
      tls: tls("implicit"),
      account: "probe2",
    },
  ];
}
