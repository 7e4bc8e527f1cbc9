/**
 * Shared set-up of the delivery tests against the real test stack: a configuration pointing every
 * delivery kind at the stack, a runner whose results the test can await, an independent witness of
 * true delivery times (inotify on the Maildir), and the fault-injection steps the stack lacks.
 */
import { watch, readFileSync, readdirSync, type FSWatcher } from "node:fs";
import path from "node:path";
import { Registry } from "prom-client";
import { pino } from "pino";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { systemClock, type Clock } from "../../contract/clock.js";
import {
  startDeliveries,
  type DeliveryOptions,
  type DeliveryRunner,
} from "../../probes/delivery/deliveries.js";
import { probeHeaders } from "../../probes/delivery/message.js";
import { DeliveryResult } from "../../contract/delivery-result.js";
import type { AgentState } from "../../probes/state/agent-state.js";
import type { MailStack } from "../stack/mail-stack.js";
import { waitFor } from "../stack/proc.js";

/** Environment variables the configuration reads the stack users' passwords from. */
export function exportPasswords(stack: MailStack): void {
  process.env.MAILSLA_T_PROBE1 = stack.users.probe1.pass;
  process.env.MAILSLA_T_PROBE2 = stack.users.probe2.pass;
  process.env.MAILSLA_T_ALICE = stack.users.alice.pass;
}

/**
 * The configuration: MX, submission, IMAP for probe2 and probe1, POP3 for alice, the sink on the port
 * Postfix relays remote.test to, and one delivery per kind (`edit` changes the raw configuration).
 */
export function stackConfig(
  stack: MailStack,
  edit: (raw: RawConfig) => void = () => undefined,
): Readonly<Config> {
  const tls = { verify: true, caFile: stack.caFile, servername: stack.hostname };
  const p = stack.ports;
  const host = stack.host;
  const raw: RawConfig = {
    operator: { name: "Test Mail", totalUsers: 100 },
    segments: [{ name: "all", users: 100 }],
    vantagePoints: [{ name: "a" }, { name: "b" }, { name: "c" }],
    thresholds: { quorum: 1 },
    accounts: {
      probe1: { username: stack.users.probe1.user, password: { env: "MAILSLA_T_PROBE1" } },
      probe2: { username: stack.users.probe2.user, password: { env: "MAILSLA_T_PROBE2" } },
      alice: { username: stack.users.alice.user, password: { env: "MAILSLA_T_ALICE" } },
    },
    services: [
      { name: "mx", kind: "smtp", host, port: p.smtp, tls: { mode: "starttls", ...tls } },
      {
        name: "sub",
        kind: "submission",
        host,
        port: p.submission,
        account: "probe1",
        ...{ foreignRecipient: "x@remote.test" },
        tls: { mode: "starttls", ...tls },
      },
      {
        name: "imap",
        kind: "imap",
        host,
        port: p.imaps,
        account: "probe2",
        tls: { mode: "implicit", ...tls },
      },
      {
        name: "imap-p1",
        kind: "imap",
        host,
        port: p.imap,
        account: "probe1",
        tls: { mode: "starttls", ...tls },
      },
      { name: "pop", kind: "pop3", host, port: p.pop3s, account: "alice", tls: { mode: "implicit", ...tls } },
    ],
    sink: { listen: `${host}:${p.sink}`, domain: "remote.test" },
    deliveries: [
      { name: "out", direction: "send", via: "sub", vantagePoints: ["a"] },
      { name: "in", direction: "receive", via: "mx", mailbox: "imap", vantagePoints: ["a"] },
      { name: "rt", direction: "roundtrip", via: "sub", mailbox: "imap", vantagePoints: ["a"] },
      {
        name: "in-pop",
        direction: "receive",
        via: "mx",
        mailbox: "pop",
        pollInterval: "1s",
        vantagePoints: ["a"],
      },
      { name: "in-idle", direction: "receive", via: "mx", mailbox: "imap-p1", vantagePoints: ["b"] },
      {
        name: "in-poll",
        direction: "receive",
        via: "mx",
        mailbox: "imap-p1",
        pollInterval: "300ms",
        vantagePoints: ["c"],
      },
    ],
  };
  edit(raw);
  return parseConfig(raw);
}

/** The configuration before validation, for a test to add to. */
export type RawConfig = {
  services: object[];
  deliveries: object[];
  accounts: Record<string, object>;
} & Record<string, unknown>;

/** A runner plus every result it published, awaitable by token. */
export interface TestRunner {
  runner: DeliveryRunner;
  results: DeliveryResult[];
  registry: Registry;
  /** The result for a token, once published (validated by the collector's schema). */
  result(token: string, timeoutMs?: number): Promise<DeliveryResult>;
  /** Sends one message of a delivery and returns its token, failing the test if it was not taken over. */
  send(name: string): Promise<{ token: string; sentMono: number }>;
}

/** Starts a runner that does not schedule on its own: the test sends. */
export async function testRunner(
  o: { config: Readonly<Config>; vantage: string; state: AgentState } & Partial<DeliveryOptions>,
): Promise<TestRunner> {
  const results: DeliveryResult[] = [];
  const registry = new Registry();
  const clock: Clock = o.clock ?? systemClock;
  const runner = await startDeliveries({
    log: pino({ level: process.env.MAILSLA_TEST_LOG ?? "silent" }),
    registry,
    schedule: false,
    lossCheckMs: 100,
    ...o,
    clock,
    onResult: (r) => results.push(DeliveryResult.parse(r)),
  });
  await runner.ready();
  return {
    runner,
    results,
    registry,
    result: (token, timeoutMs = 20_000) =>
      waitFor(`the result of ${token}`, () => results.find((r) => r.token === token), { timeoutMs }),
    async send(name) {
      const outcome = await runner.sendNow(name);
      if ("failed" in outcome) throw new Error(`send failed: ${JSON.stringify(outcome.failed.error)}`);
      return { token: outcome.token, sentMono: outcome.at.mono };
    },
  };
}

/**
 * Independent witness: inotify on a Maildir's new/ gives the moment each message became visible
 * (Dovecot LMTP renames it in from tmp/), on this process's monotonic clock, by probe token.
 */
export function maildirWitness(dir: string): { seen(token: string): Promise<number>; close(): void } {
  const times = new Map<string, number>();
  const newDir = path.join(dir, "new");
  const read = (name: string): string | undefined => {
    for (const p of [
      path.join(newDir, name),
      ...readdirSync(path.join(dir, "cur"))
        .filter((f) => f.startsWith(name))
        .map((f) => path.join(dir, "cur", f)),
    ]) {
      try {
        return readFileSync(p, "latin1");
      } catch {
        /* moved or deleted meanwhile: try the next place */
      }
    }
    return undefined;
  };
  const watcher: FSWatcher = watch(newDir, (_event, name) => {
    const at = performance.now();
    if (!name || name.startsWith(".")) return;
    const text = read(name);
    const token = text && probeHeaders(text)?.token;
    if (token && !times.has(token)) times.set(token, at);
  });
  return {
    seen: (token) => waitFor(`${token} in ${newDir}`, () => times.get(token), { timeoutMs: 20_000 }),
    close: () => watcher.close(),
  };
}

/** A clock on the system's, that a test can move forward (both readings) to reach a loss timeout. */
export function shiftableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    monotonic: () => performance.now() + offset,
    advance: (ms) => (offset += ms),
  };
}

/** The queue-held fault of test-stack.md: every accepted message goes to the hold queue. */
export async function holdQueue(stack: MailStack): Promise<() => Promise<void>> {
  await stack.postconf({ smtpd_data_restrictions: "check_client_access static:HOLD" });
  return async () => {
    await stack.postconf({ smtpd_data_restrictions: "" });
    await stack.postsuper(["-H", "ALL"]);
    await stack.flushQueue();
  };
}

/** Defers a Postfix transport (lmtp: mailbox delivery, smtp: relay to the sink); the result releases it. */
export async function deferTransport(
  stack: MailStack,
  transport: "lmtp" | "smtp",
): Promise<() => Promise<void>> {
  await stack.postconf({ defer_transports: transport });
  return async () => {
    await stack.postconf({ defer_transports: "" });
    await stack.flushQueue();
  };
}
