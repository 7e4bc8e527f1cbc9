/**
 * The mailsla configuration that checks the built-in demo target: every service kind, TLS verified
 * against the demo CA, one vantage point, short intervals. Generated from the running target because
 * its ports are chosen at start; the password travels through the environment like any real secret.
 */
import { randomBytes } from "node:crypto";
import type { DemoTarget } from "./target.js";

/** The environment variable the demo configuration reads the probe password from. */
export const DEMO_PASSWORD_ENV = "MAILSLA_DEMO_PASSWORD";

/** Options of {@link demoConfigYaml}. */
export interface DemoConfigOptions {
  /** Where the probe agent serves /metrics; the agent's usual 127.0.0.1:9469 by default. */
  agentListen?: string;
  /** Where the collector listens; its usual 127.0.0.1:9470 by default. */
  collectorListen?: string;
  /** Where the agent's state and the collector's ledger live; ./var/demo by default. */
  dataDir?: string;
  /**
   * Read the secrets from files in this folder (names in {@link DEMO_SECRET_FILES}) instead of the
   * environment: what the demo writes under its data directory, so the file works as it stands.
   */
  secretsDir?: string;
}

/** The file, inside {@link DemoConfigOptions.secretsDir}, of each secret the demo configuration reads. */
export const DEMO_SECRET_FILES = {
  password: "probe1-password",
  agentToken: "agent-token",
  adminToken: "admin-token",
} as const;

/** The variable holding the demo agent's collector token (random per start, like a real secret). */
export const DEMO_AGENT_TOKEN_ENV = "MAILSLA_DEMO_AGENT_TOKEN";
/** The variable holding the demo collector's admin token, used by the scripted maintenance step. */
export const DEMO_ADMIN_TOKEN_ENV = "MAILSLA_DEMO_ADMIN_TOKEN";

/** The environment the demo configuration needs: merge it into process.env before loading the config. */
export function demoEnvironment(target: DemoTarget): Record<string, string> {
  return {
    [DEMO_PASSWORD_ENV]: target.users.probe1.pass,
    [DEMO_AGENT_TOKEN_ENV]: randomBytes(18).toString("base64url"),
    [DEMO_ADMIN_TOKEN_ENV]: randomBytes(18).toString("base64url"),
  };
}

/** A complete configuration (YAML text, comments included) for probing `target`. */
export function demoConfigYaml(target: DemoTarget, opts: DemoConfigOptions = {}): string {
  const q = (s: string): string => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
  const host = q(target.host);
  const tls = (mode: "starttls" | "implicit"): string =>
    `{ mode: ${mode}, verify: true, caFile: ${q(target.caFile)}, servername: ${q(target.servername)} }`;
  const web = `https://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.ports.webmail}`;
  const outside = "probe@outside.example"; // a domain the demo does not host (RFC 2606)
  const dataDir = opts.dataDir ?? "./var/demo";
  const secret = (name: keyof typeof DEMO_SECRET_FILES, env: string): string =>
    opts.secretsDir ? `{ file: ${q(`${opts.secretsDir}/${DEMO_SECRET_FILES[name]}`)} }` : `{ env: ${env} }`;
  return `# mailsla demo: probes the built-in demo mail target (demo/target.ts) on this machine.
# Generated at start: the ports are chosen then. ${opts.secretsDir ? `Secrets are files in ${opts.secretsDir}.` : `The password comes from ${DEMO_PASSWORD_ENV}.`}

operator:
  name: mailsla demo
  timeZone: Asia/Shanghai
  totalUsers: 1000

segments:
  - name: demo
    users: 1000

vantagePoints:
  - name: demo
    location: this machine

accounts:
  probe1:
    username: ${q(target.users.probe1.user)}
    password: ${secret("password", DEMO_PASSWORD_ENV)}

services:
  - name: demo-mx # banner, EHLO, STARTTLS, certificate
    kind: smtp
    host: ${host}
    port: ${target.ports.smtp}
    tls: ${tls("starttls")}
  - name: demo-relay # the MX must refuse to relay for a foreign domain
    kind: relay
    host: ${host}
    port: ${target.ports.smtp}
    tls: ${tls("starttls")}
    from: ${q(outside)}
    foreignRecipient: ${q(outside)}
  - name: demo-submission # AUTH works and is required
    kind: submission
    host: ${host}
    port: ${target.ports.submission}
    tls: ${tls("starttls")}
    account: probe1
    foreignRecipient: ${q(outside)}
  - name: demo-imap
    kind: imap
    host: ${host}
    port: ${target.ports.imap}
    tls: ${tls("implicit")}
    account: probe1
  - name: demo-pop3
    kind: pop3
    host: ${host}
    port: ${target.ports.pop3}
    tls: ${tls("implicit")}
    account: probe1
  - name: demo-webmail
    kind: webmail
    url: ${q(`${web}/`)}
    tls: { verify: true, caFile: ${q(target.caFile)} }
    contains: Sign in
    login: { url: ${q(`${web}/login`)}, account: probe1, expectStatus: [302] }

thresholds:
  consecutiveFailures: 2
  quorum: 1 # one vantage point: its word is final
  staleAfterIntervals: 3

deliveries:
  - name: demo-receive # 7.1.9: handed straight to the MX as a source server, read over IMAP
    direction: receive
    via: demo-mx
    mailbox: demo-imap
    from: ${q(outside)}
    interval: 30s
    lossTimeout: 10m
  - name: demo-roundtrip # what a user sees: submitted with AUTH, read over IMAP
    direction: roundtrip
    via: demo-submission
    mailbox: demo-imap
    interval: 30s
    lossTimeout: 10m

agent:
  listen: ${q(opts.agentListen ?? "127.0.0.1:9469")}
  interval: 10s
  timeout: 5s
  jitter: 0.1
  concurrency: 8
  stateDir: ${q(dataDir)}

collector:
  listen: ${q(opts.collectorListen ?? "127.0.0.1:9470")}
  dataDir: ${q(dataDir)}
  agentTokens:
    demo: ${secret("agentToken", DEMO_AGENT_TOKEN_ENV)}
  adminToken: ${secret("adminToken", DEMO_ADMIN_TOKEN_ENV)}
`;
}
