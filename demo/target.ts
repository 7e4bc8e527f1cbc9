/**
 * The built-in demo mail target: a small mail system in this process (MX, submission, IMAP, POP3,
 * webmail) on free loopback ports, so `npx tsx cli/main.ts` has something real to probe with no root,
 * no system service and no configuration. Faults can be switched per service while it runs, which
 * is what a scripted demo of outages builds on.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import {
  DEMO_FAULTS,
  DEMO_SERVICES,
  ServiceGate,
  type Accept,
  type DemoFault,
  type DemoService,
} from "./gate.js";
import { createImapAccept } from "./imap-server.js";
import { MailStore, type Authenticate } from "./mailstore.js";
import { createPop3Accept } from "./pop3-server.js";
import { createMxServer, createSubmissionServer } from "./smtp-servers.js";
import { createWebmailAccept } from "./webmail-server.js";

/** Re-exported so a demo script needs one import to start the target and switch its faults. */
export { DEMO_FAULTS, DEMO_SERVICES, type DemoFault, type DemoService };

/** A running demo target: where its services listen, how to trust them, how to log in, and its switches. */
export interface DemoTarget {
  /** The loopback address every service listens on (127.0.0.1 unless asked otherwise). */
  host: string;
  /** One free port per service, chosen at start. */
  ports: Record<DemoService, number>;
  /** The mail domain the demo hosts; mail for any other domain is relaying, refused by the MX. */
  domain: string;
  /** The CA that signed the demo certificate, so probes verify TLS instead of switching it off. */
  caFile: string;
  /** The name in the demo certificate; probes connect to `host` and verify this name. */
  servername: string;
  /** The probe account; its password is random per start. */
  users: { probe1: { user: string; pass: string } };
  /**
   * Switches one service's fault: `down` drops connections at once (open ones too), `slow` answers
   * after a long delay, `refuse` answers with errors (MX 421 greeting, submission 454 on AUTH,
   * IMAP NO on login, POP3 -ERR on PASS, webmail 503), `none` heals it.
   */
  setFault(service: DemoService, fault: DemoFault): void;
  /**
   * Holds each message the MX or submission accepts for a demo mailbox `ms` before it appears
   * there (0: at once), so delivery probes measure a delay; messages already held keep theirs.
   */
  setDeliveryDelay(ms: number): void;
  /** Closes every listener and connection; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startDemoTarget}; the defaults suit the demo, tests shorten `slowMs`. */
export interface DemoTargetOptions {
  /** Address to listen on; 127.0.0.1 by default (the certificate also names localhost). */
  host?: string;
  /** How long a `slow` service keeps a client waiting; longer than any sane probe timeout by default. */
  slowMs?: number;
}

/** The demo mail domain (a reserved TLD: it can never collide with a real one). */
export const DEMO_DOMAIN = "demo.test";
/** The name the demo certificate is issued to. */
export const DEMO_SERVERNAME = "mail.demo.test";
const DEFAULT_SLOW_MS = 60_000;
const certPath = (name: string): string => fileURLToPath(new URL(`./certs/${name}`, import.meta.url));

/** Starts every demo service and resolves once all of them listen. */
export async function startDemoTarget(opts: DemoTargetOptions = {}): Promise<DemoTarget> {
  const host = opts.host ?? "127.0.0.1";
  const [key, cert] = await Promise.all([readFile(certPath("server.key")), readFile(certPath("server.crt"))]);
  const secureContext = tls.createSecureContext({ key, cert });
  const probe1 = { user: `probe1@${DEMO_DOMAIN}`, pass: randomBytes(12).toString("base64url") };
  const authenticate = authenticator([probe1]);
  const store = new MailStore([probe1.user]);
  const gates = {} as Record<DemoService, ServiceGate>;
  for (const s of DEMO_SERVICES) gates[s] = new ServiceGate(s, opts.slowMs ?? DEFAULT_SLOW_MS);

  const smtp = { store, domain: DEMO_DOMAIN, hostname: DEMO_SERVERNAME, key, cert };
  const mx = createMxServer({ ...smtp, gate: gates.smtp });
  const submission = createSubmissionServer({ ...smtp, gate: gates.submission }, authenticate);
  const tlsDeps = { store, authenticate, secureContext, hostname: DEMO_SERVERNAME };
  const accepts: Record<DemoService, Accept> = {
    smtp: mx.accept,
    submission: submission.accept,
    imap: createImapAccept({ ...tlsDeps, gate: gates.imap }),
    pop3: createPop3Accept({ ...tlsDeps, gate: gates.pop3 }),
    webmail: createWebmailAccept({ ...tlsDeps, gate: gates.webmail }),
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(DEMO_SERVICES.map((s) => gates[s].close()));
      store.dropHeld();
      await Promise.all([mx.close(), submission.close()]);
    })());

  const ports = {} as Record<DemoService, number>;
  try {
    for (const s of DEMO_SERVICES) ports[s] = await gates[s].listen(host, accepts[s]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    ports,
    domain: DEMO_DOMAIN,
    caFile: certPath("ca.crt"),
    servername: DEMO_SERVERNAME,
    users: { probe1 },
    setFault: (service, fault) => {
      if (!DEMO_SERVICES.includes(service)) throw new Error(`unknown demo service "${String(service)}"`);
      if (!DEMO_FAULTS.includes(fault)) throw new Error(`unknown demo fault "${String(fault)}"`);
      gates[service].setFault(fault);
    },
    setDeliveryDelay: (ms) => store.setHold(ms),
    stop,
  };
}

/** Logins by full address (case-insensitive), password compared in constant time. */
function authenticator(users: readonly { user: string; pass: string }[]): Authenticate {
  return (user, pass) => {
    const account = users.find((u) => u.user.toLowerCase() === user.trim().toLowerCase());
    if (!account) return undefined;
    const [a, b] = [Buffer.from(account.pass), Buffer.from(pass)];
    return a.length === b.length && timingSafeEqual(a, b) ? account.user : undefined;
  };
}
