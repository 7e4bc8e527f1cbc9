/**
 * The test stack: a private, real Postfix + Dovecot on loopback ports, with its own temporary
 * directory, certificates and users, so the project's tests can probe real mail servers and inject
 * faults into them. See docs/test-stack.md.
 */
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { rmSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import path from "node:path";
import tls from "node:tls";
import { CyrusInstance, requireCyrus } from "./cyrus.js";
import { DovecotInstance } from "./dovecot.js";
import { allocatePorts, type PortLease } from "./ports.js";
import { PostfixInstance } from "./postfix.js";
import { processTree, requireBinaries, waitFor } from "./proc.js";
import { createTestCa, type CertKind, type ServerCert, type TestCa } from "./tls-ca.js";

export type { CertKind, ServerCert } from "./tls-ca.js";

/** A mailbox user; `user` is the full address and also the login for SMTP AUTH, IMAP and POP3. */
export interface StackUser {
  user: string;
  pass: string;
}

/** Ports of the stack, all on 127.0.0.1 and chosen free per stack. */
export interface StackPorts {
  /** MX: no AUTH offered, STARTTLS offered, accepts only for probe.test. */
  smtp: number;
  /** Submission: STARTTLS offered, SASL AUTH (Dovecot) required to send. */
  submission: number;
  /** Submission with implicit TLS, AUTH required. */
  submissions: number;
  /** IMAP and POP3 in plain text with STARTTLS/STLS. */
  imap: number;
  pop3: number;
  /** IMAP and POP3 with implicit TLS. */
  imaps: number;
  pop3s: number;
  /** Nothing listens here: Postfix relays remote.test to 127.0.0.1:sink, where tests start their sink. */
  sink: number;
}

/** Which server holds the mailboxes (IMAP, POP3, LMTP from Postfix). */
export type MailServer = "dovecot" | "cyrus";

/** What to start; the default is Postfix + Dovecot. */
export interface MailStackOptions {
  /**
   * "cyrus": Cyrus IMAP 3.6 (unpacked by scripts/install-deps.sh) serves IMAP, POP3 and LMTP on the
   * stack's ports; Dovecot still runs, on ports of its own, only as Postfix's SASL server.
   */
  mailServer?: MailServer;
  /** Cyrus settings that differ between servers; Debian's defaults (popminpoll 1, no idled) if unset. */
  cyrus?: { popminpoll?: number; idled?: boolean };
  /** More mailbox users of `domain` (Dovecot only), e.g. the scale bench's thousands of probe mailboxes. */
  extraUsers?: StackUser[];
  /** Lines appended to dovecot.conf, e.g. raised process and client limits for many connections. */
  dovecotConf?: string;
}

/** A running stack; every member exists so tests can drive or break one part of the mail path. */
export interface MailStack {
  /** The server behind `ports.imap`, `pop3`, `imaps`, `pop3s` and Postfix's LMTP. */
  mailServer: MailServer;
  /** The stack's temporary directory (configs, queue, mail store, logs); removed by stop(). */
  dir: string;
  /** Every daemon listens on this address only. */
  host: "127.0.0.1";
  /** The name in the valid certificate and Postfix's myhostname: the TLS servername to use. */
  hostname: "mx.probe.test";
  /** The virtual mailbox domain, delivered by LMTP to Dovecot. */
  domain: "probe.test";
  /** Relayed, for authenticated users only, to 127.0.0.1:ports.sink. */
  foreignDomain: "remote.test";
  ports: StackPorts;
  /** Mailbox users of `domain`; any of them may send via submission and log in to IMAP/POP3. */
  users: { probe1: StackUser; probe2: StackUser; alice: StackUser };
  /** The test CA that signed every server certificate, for clients to trust. */
  caFile: string;
  caPem: string;
  /** The server certificates useCertificate() can switch to (for comparing what a server presents). */
  certificates: Record<CertKind, ServerCert>;
  /** The certificate kind the daemons currently present. */
  readonly certificate: CertKind;
  /** The Maildir of a user of `domain` (new/, cur/, tmp/ inside exist from the start); Dovecot only. */
  maildir(localPart: string): string;
  /** Stops the mailbox server (IMAP/POP3 refused, LMTP deliveries wait in Postfix's queue). */
  stopMailServer(): Promise<void>;
  /** Starts the mailbox server again and resolves when logins work. */
  startMailServer(): Promise<void>;
  /** Stops Dovecot (IMAP/POP3 refused, Postfix's LMTP deliveries and SASL AUTH fail) until startDovecot. */
  stopDovecot(): Promise<void>;
  /** Starts Dovecot again and resolves when logins work. */
  startDovecot(): Promise<void>;
  /** Stops Postfix (SMTP connections refused) until startPostfix; the queue is kept. */
  stopPostfix(): Promise<void>;
  /** Starts Postfix again and resolves when the SMTP ports greet. */
  startPostfix(): Promise<void>;
  /**
   * `postconf -e` the settings, backdate main.cf (not "hot"), reload Postfix and wait until the
   * change is in effect. Throws, with Postfix's fatal log line, if smtpd refuses the result.
   */
  postconf(settings: Record<string, string>): Promise<void>;
  /** Current values of main.cf parameters (to restore one after a test). */
  postconfGet(names: string[]): Promise<Record<string, string>>;
  /** Restores the generated main.cf (undoes every postconf) and reloads. */
  resetPostconf(): Promise<void>;
  /** `postqueue -f`: deliver deferred mail now rather than after the backoff time. */
  flushQueue(): Promise<void>;
  /** `postqueue -p` output. */
  mailq(): Promise<string>;
  /** `postsuper ARGS` (e.g. ["-H", "ALL"] releases held mail, ["-d", "ALL"] empties the queue). */
  postsuper(args: string[]): Promise<void>;
  /** Installs that certificate in Postfix and Dovecot, reloads both, waits until new connections see it. */
  useCertificate(kind: CertKind): Promise<void>;
  /** Postfix's log, for debugging test failures. */
  maillog(): Promise<string>;
  /** Dovecot's log, for debugging test failures. */
  dovecotLog(): Promise<string>;
  /** Pids of the running Postfix, Dovecot and Cyrus process trees (masters first); empty when stopped. */
  processes(): Promise<{ postfix: number[]; dovecot: number[]; cyrus: number[] }>;
  /** Stops both daemons, waits until their processes are gone, removes dir. Idempotent. */
  stop(): Promise<void>;
}

/** Binaries the stack runs; checked up front so a missing package is named, not guessed. */
export const REQUIRED_BINARIES = [
  ...["postfix", "postconf", "postqueue", "postsuper", "dovecot", "doveadm", "openssl", "script"],
  ...["/usr/lib/dovecot/imap", "/usr/lib/dovecot/pop3", "/usr/lib/dovecot/lmtp"],
] as const;

const HOST = "127.0.0.1";
const HOSTNAME = "mx.probe.test";
const DOMAIN = "probe.test";
const FOREIGN_DOMAIN = "remote.test";
const USERS = {
  probe1: { user: `probe1@${DOMAIN}`, pass: "probe1pass" },
  probe2: { user: `probe2@${DOMAIN}`, pass: "probe2pass" },
  alice: { user: `alice@${DOMAIN}`, pass: "alicepass" },
};

/** Synchronous clean-ups of stacks not yet stopped, by directory, for the process-exit safety net. */
const exitCleanups = new Map<string, () => void>();
let exitHookInstalled = false;

/**
 * Starts a new stack (own directory, ports, CA, Postfix, Dovecot) and resolves when both accept
 * connections and logins. Call stop() in afterAll. Throws, naming the binary, if one is missing.
 */
export async function startMailStack(opts: MailStackOptions = {}): Promise<MailStack> {
  requireBinaries(REQUIRED_BINARIES);
  if (opts.mailServer === "cyrus") requireCyrus();
  if (process.getuid?.() !== 0)
    throw new Error("the test stack runs Postfix and Dovecot: run the tests as root");
  const dir = await mkdtemp("/tmp/ms-");
  await chmod(dir, 0o755);
  let lease: PortLease | undefined;
  let parts: Parts | undefined;
  try {
    const cyrus = opts.mailServer === "cyrus";
    lease = await allocatePorts(cyrus ? 12 : 8);
    parts = await createParts(dir, portsFrom(lease.ports), cyrus ? { ...opts.cyrus } : undefined, opts);
    await parts.dovecot.start();
    await parts.cyrus?.start();
    await parts.postfix.start();
    return makeStack(dir, lease, parts);
  } catch (err) {
    await Promise.allSettled([parts?.postfix.stop(), parts?.dovecot.stop(), parts?.cyrus?.stop()]);
    lease?.release();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Names the allocated ports, in a fixed order; with Cyrus, Dovecot's own four come last. */
function portsFrom(list: readonly number[]): StackPorts & { dovecot?: DovecotPorts } {
  const left = [...list];
  const take = (): number => {
    const port = left.shift();
    if (port === undefined) throw new Error(`expected 8 ports, got ${list.length}`);
    return port;
  };
  const own = (): DovecotPorts => ({ imap: take(), imaps: take(), pop3: take(), pop3s: take() });
  // properties are evaluated in source order
  return {
    smtp: take(),
    submission: take(),
    submissions: take(),
    imap: take(),
    imaps: take(),
    pop3: take(),
    pop3s: take(),
    sink: take(),
    ...(list.length > 8 ? { dovecot: own() } : {}),
  };
}

/** The listeners Dovecot gets of its own when Cyrus serves the stack's mailbox ports. */
type DovecotPorts = { imap: number; imaps: number; pop3: number; pop3s: number };

/** The pieces of one stack, as makeStack wires them into a MailStack. */
interface Parts {
  ports: StackPorts;
  postfix: PostfixInstance;
  dovecot: DovecotInstance;
  /** Set when Cyrus serves the mailboxes (Dovecot then only authenticates Postfix's submission). */
  cyrus?: CyrusInstance;
  ca: TestCa;
  /** The certificate and key both daemons read; useCertificate overwrites them. */
  live: { certFile: string; keyFile: string };
}

/** Generates the CA, installs the valid certificate and writes both daemons' configs. */
async function createParts(
  dir: string,
  allPorts: StackPorts & { dovecot?: DovecotPorts },
  cyrusOpts?: MailStackOptions["cyrus"],
  more: Pick<MailStackOptions, "extraUsers" | "dovecotConf"> = {},
): Promise<Parts> {
  const users = [...Object.values(USERS), ...(more.extraUsers ?? [])];
  const { dovecot: dovecotPorts, ...ports } = allPorts;
  const ca = await createTestCa(path.join(dir, "ca"), { hostname: HOSTNAME, wrongName: "other.example" });
  const live = { certFile: path.join(dir, "ca", "live.crt"), keyFile: path.join(dir, "ca", "live.key") };
  await installCert(ca.certs.valid, live);
  const dovecot = new DovecotInstance({
    root: path.join(dir, "dovecot"),
    mailRoot: path.join(dir, "mail"),
    name: `dovecot-${path.basename(dir)}`,
    domain: DOMAIN,
    ports: dovecotPorts ?? ports,
    users,
    ...(more.dovecotConf ? { extraConf: more.dovecotConf } : {}),
    ...live,
  });
  const cyrus = cyrusOpts
    ? new CyrusInstance({
        root: path.join(dir, "cyrus"),
        name: `cyrus-${path.basename(dir)}`,
        domain: DOMAIN,
        ports: { imap: ports.imap, imaps: ports.imaps, pop3: ports.pop3, pops: ports.pop3s },
        users: Object.values(USERS),
        ...live,
        ...cyrusOpts,
      })
    : undefined;
  const postfix = new PostfixInstance({
    root: path.join(dir, "postfix"),
    stackDir: dir,
    hostname: HOSTNAME,
    domain: DOMAIN,
    foreignDomain: FOREIGN_DOMAIN,
    ports,
    mailboxes: users.map((u) => u.user),
    lmtpSocket: (cyrus ?? dovecot).lmtpSocket,
    authSocket: dovecot.authSocket,
    ...live,
  });
  await Promise.all([dovecot.writeConfig(), postfix.writeConfig(), cyrus?.writeConfig()]);
  return { ports, postfix, dovecot, ...(cyrus ? { cyrus } : {}), ca, live };
}

/** Copies a certificate and key over the live files atomically (rename), key readable by root only. */
async function installCert(from: ServerCert, to: Parts["live"]): Promise<void> {
  await writeFile(`${to.certFile}.new`, from.certPem, { mode: 0o644 });
  await writeFile(`${to.keyFile}.new`, await readFile(from.keyFile), { mode: 0o600 });
  await rename(`${to.certFile}.new`, to.certFile);
  await rename(`${to.keyFile}.new`, to.keyFile);
}

function makeStack(dir: string, lease: PortLease, p: Parts): MailStack {
  let certificate: CertKind = "valid";
  let stopped: Promise<void> | undefined;
  const tree = (pid: number | undefined): number[] => (pid ? processTree(pid) : []);
  exitCleanups.set(dir, () => {
    p.postfix.killNow();
    p.dovecot.killNow();
    p.cyrus?.killNow();
    lease.release();
    rmSync(dir, { recursive: true, force: true });
  });
  installExitHook();
  const mailbox = p.cyrus ?? p.dovecot;
  return {
    mailServer: p.cyrus ? "cyrus" : "dovecot",
    dir,
    host: HOST,
    hostname: HOSTNAME,
    domain: DOMAIN,
    foreignDomain: FOREIGN_DOMAIN,
    ports: p.ports,
    users: USERS,
    caFile: p.ca.caFile,
    caPem: p.ca.caPem,
    certificates: p.ca.certs,
    get certificate() {
      return certificate;
    },
    maildir: (localPart) => {
      if (p.cyrus) throw new Error("stack.maildir: Cyrus holds the mailboxes in its own spool, not Maildirs");
      return path.join(dir, "mail", DOMAIN, localPart, "Maildir");
    },
    stopMailServer: () => mailbox.stop(),
    startMailServer: () => mailbox.start(),
    stopDovecot: () => p.dovecot.stop(),
    startDovecot: () => p.dovecot.start(),
    stopPostfix: () => p.postfix.stop(),
    startPostfix: () => p.postfix.start(),
    postconf: (settings) => p.postfix.postconf(settings),
    postconfGet: (names) => p.postfix.postconfGet(names),
    resetPostconf: () => p.postfix.resetConfig(),
    flushQueue: () => p.postfix.flush(),
    mailq: () => p.postfix.mailq(),
    postsuper: (args) => p.postfix.postsuper(args),
    useCertificate: async (kind) => {
      certificate = kind;
      await swapCertificate(p, kind);
    },
    maillog: () => p.postfix.log(),
    dovecotLog: () => p.dovecot.log(),
    processes: async () => ({
      postfix: tree(await p.postfix.masterPid()),
      dovecot: tree(await p.dovecot.masterPid()),
      cyrus: tree(await p.cyrus?.masterPid()),
    }),
    stop: () => (stopped ??= stopStack(dir, lease, p)),
  };
}

/**
 * stop(): both daemons at once, then the ports and the directory (kept if MAILSLA_STACK_KEEP is set,
 * for post-mortems); rethrows a daemon's stop error.
 */
async function stopStack(dir: string, lease: PortLease, p: Parts): Promise<void> {
  const results = await Promise.allSettled([p.postfix.stop(), p.dovecot.stop(), p.cyrus?.stop()]);
  exitCleanups.delete(dir);
  lease.release();
  if (process.env.MAILSLA_STACK_KEEP) process.stderr.write(`test stack: kept ${dir} (MAILSLA_STACK_KEEP)\n`);
  else await rm(dir, { recursive: true, force: true });
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Installs the certificate, reloads the running daemons and waits until new connections get it. */
async function swapCertificate(p: Parts, kind: CertKind): Promise<void> {
  await installCert(p.ca.certs[kind], p.live);
  const [postfixUp, dovecotUp] = [await p.postfix.masterPid(), await p.dovecot.masterPid()];
  const cyrusUp = p.cyrus && (await p.cyrus.masterPid());
  // Cyrus's imapd processes are reused for many connections: only a restart is sure to reach all
  const cyrusSwap = async (c: CyrusInstance): Promise<void> => {
    await c.stop();
    await c.start();
  };
  await Promise.all([
    postfixUp && p.postfix.reload(),
    dovecotUp && p.dovecot.reload(),
    p.cyrus && (cyrusUp ? cyrusSwap(p.cyrus) : p.cyrus.installCertificate()),
  ]);
  const want = new X509Certificate(p.ca.certs[kind].certPem).fingerprint256;
  const mailboxUp = p.cyrus ? cyrusUp : dovecotUp;
  const ports = [
    ...(postfixUp ? [p.ports.submissions] : []),
    ...(mailboxUp ? [p.ports.imaps, p.ports.pop3s] : []),
  ];
  for (const port of ports) {
    const presented = async (): Promise<boolean> => (await presentedFingerprint(port)) === want;
    await waitFor(`the ${kind} certificate on port ${port}`, presented);
  }
}

/** SHA-256 fingerprint of the certificate an implicit-TLS port presents now. */
function presentedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: HOST, port, servername: HOSTNAME, rejectUnauthorized: false });
    socket.setTimeout(2000, () => socket.destroy(new Error(`TLS handshake timeout on ${port}`)));
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const fp = socket.getPeerX509Certificate()?.fingerprint256 ?? "";
      socket.destroy();
      resolve(fp);
    });
  });
}

/** On process exit (e.g. a test file forgot stop()), signal the daemons and remove the directories. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const cleanup of exitCleanups.values()) cleanup();
  });
}
