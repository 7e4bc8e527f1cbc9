/**
 * A private Cyrus IMAP 3.6 instance (imapd, pop3d, lmtpd under its own `master`) for the test stack,
 * run from Debian's packages unpacked into a directory (scripts/install-deps.sh): Debian's
 * cyrus-imapd conflicts with dovecot-imapd, so it cannot be installed beside it. Config generation,
 * users (a private sasldb), mailbox creation and daemon control. Debian's defaults that bite are the
 * defaults here: `popminpoll: 1` (one POP3 login per account a minute) and no `idled` (IDLE pushes
 * new mail only every `imapidlepoll`, 60 s).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, copyFile, mkdir, open, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { imapCommands } from "./imap-raw.js";
import { MasterDaemon, readGreeting, run, userIds, waitFor, type TerminateOptions } from "./proc.js";

/**
 * Where scripts/install-deps.sh unpacks Debian's Cyrus packages (override: MAILSLA_CYRUS_ROOT). A
 * directory, not a system install, so that Dovecot and Cyrus coexist on one machine.
 */
export const CYRUS_ROOT = process.env.MAILSLA_CYRUS_ROOT ?? "/opt/mailsla/cyrus";

/** The Cyrus programs the stack runs, relative to {@link CYRUS_ROOT}. */
const BIN = "usr/lib/cyrus/bin";
const LIB = "usr/lib/x86_64-linux-gnu";

/** The master SIGTERMs its children itself; children of a killed master are signalled too. */
const STOP_SIGNALS: TerminateOptions = { master: "SIGTERM", children: true };

/** The system user Cyrus's services run as (created by install-deps.sh, as cyrus-common would). */
const CYRUS_USER = "cyrus";

/** The SASL login of the instance's administrator (creates the mailboxes over IMAP). */
const ADMIN = { user: "cyrusadmin", pass: "cyrusadminpass" };

/** What the Cyrus instance is generated from. */
export interface CyrusSettings {
  /** Root of this instance's files (imapd.conf, cyrus.conf, sasldb2, conf/, spool/, run/). */
  root: string;
  /** Used as the syslog prefix so `ps` and logs tell parallel stacks apart. */
  name: string;
  domain: string;
  ports: { imap: number; imaps: number; pop3: number; pops: number };
  /** Full addresses and passwords; each gets a mailbox (`user.LOCAL@DOMAIN`) and a sasldb entry. */
  users: { user: string; pass: string }[];
  /** The live certificate and key of the stack; copied for the cyrus user at each start. */
  certFile: string;
  keyFile: string;
  /** Minutes between two POP3 logins of one account (Debian's default 1); 0 switches it off. */
  popminpoll?: number;
  /** Run `idled`, so IDLE pushes at once (Debian's default: not run). */
  idled?: boolean;
}

/** Throws, naming the fix, when the unpacked Cyrus or the tools it needs are missing. */
export function requireCyrus(): void {
  const need = ["master", "imapd", "pop3d", "lmtpd", "ctl_cyrusdb"].map((b) => path.join(CYRUS_ROOT, BIN, b));
  const missing = [...need, "/usr/sbin/saslpasswd2"].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `test stack: Cyrus IMAP is not unpacked (missing ${missing.join(", ")}); run: sudo bash scripts/install-deps.sh`,
    );
  }
}

/** The version string Cyrus greets with (e.g. "3.6.1-Debian-3.6.1-4+deb12u5"), for reports. */
export function cyrusVersion(greeting: string): string | undefined {
  return /Cyrus (?:IMAP|POP3) (\S+)/.exec(greeting)?.[1];
}

/** imapd.conf: Debian's shipped defaults where they matter, paths moved into the instance. */
export function cyrusImapdConf(s: CyrusSettings): string {
  const d = (sub: string): string => path.join(s.root, sub);
  return `# Private Cyrus instance of the mailsla test stack (generated from Debian's imapd.conf)
configdirectory: ${d("conf")}
proc_path: ${d("run/proc")}
temp_path: ${d("tmp")}
mboxname_lockpath: ${d("run/lock")}
defaultpartition: default
partition-default: ${d("spool")}
altnamespace: no
unixhierarchysep: no
lmtp_downcase_rcpt: yes
allowanonymouslogin: no
popminpoll: ${s.popminpoll ?? 1}
autocreate_quota: 0
umask: 077
sieveusehomedir: false
sievedir: ${d("sieve")}
hashimapspool: true
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${d("sasldb2")}
sasl_mech_list: PLAIN LOGIN
sasl_auto_transition: no
virtdomains: userid
admins: ${ADMIN.user}@${s.domain}
lmtpsocket: ${d("run/socket/lmtp")}
idlesocket: ${d("run/socket/idle")}
notifysocket: ${d("run/socket/notify")}
tls_server_cert: ${d("tls/server.crt")}
tls_server_key: ${d("tls/server.key")}
syslog_prefix: ${s.name}
`;
}

/** cyrus.conf: imap, imaps, pop3, pop3s on loopback, lmtpd on a socket, idled only when asked. */
export function cyrusConf(s: CyrusSettings): string {
  const conf = path.join(s.root, "imapd.conf");
  const bin = (name: string, args = ""): string =>
    `cmd="${path.join(CYRUS_ROOT, BIN, name)} -C ${conf}${args ? ` ${args}` : ""}"`;
  const tcp = (port: number): string => `listen="127.0.0.1:${port}"`;
  return `# Private Cyrus master config of the mailsla test stack (generated)
START {
  recover ${bin("ctl_cyrusdb", "-r")}
}
SERVICES {
  imap ${bin("imapd", "-U 30")} ${tcp(s.ports.imap)} prefork=0 maxchild=50
  imaps ${bin("imapd", "-s -U 30")} ${tcp(s.ports.imaps)} prefork=0 maxchild=50
  pop3 ${bin("pop3d", "-U 30")} ${tcp(s.ports.pop3)} prefork=0 maxchild=50
  pop3s ${bin("pop3d", "-s -U 30")} ${tcp(s.ports.pops)} prefork=0 maxchild=50
  lmtpunix ${bin("lmtpd")} listen="${path.join(s.root, "run/socket/lmtp")}" prefork=0 maxchild=20
}
EVENTS {
  checkpoint ${bin("ctl_cyrusdb", "-c")} period=30
}
${s.idled ? `DAEMON {\n  idled ${bin("idled")}\n}\n` : ""}`;
}

/**
 * Control of one private Cyrus instance. Exists so the stack can start it detached (its master keeps
 * inherited descriptors), wait until logins really work, create the mailboxes once and stop it.
 * Cyrus logs only to syslog (/dev/log), which a test machine may not have: failures are diagnosed
 * from the master's stderr and the greeting instead.
 */
export class CyrusInstance extends MasterDaemon {
  /** LMTP socket for Postfix's virtual_transport. */
  readonly lmtpSocket: string;
  private readonly confFile: string;
  private readonly stderrFile: string;
  private mailboxesCreated = false;

  constructor(private readonly s: CyrusSettings) {
    super(path.join(s.root, "run", "master.pid"), STOP_SIGNALS);
    this.lmtpSocket = path.join(s.root, "run", "socket", "lmtp");
    this.confFile = path.join(s.root, "imapd.conf");
    this.stderrFile = path.join(s.root, "master.stderr");
  }

  /** Creates directories, both config files and the sasldb with every user and the admin. */
  async writeConfig(): Promise<void> {
    const subs = ["conf/db", "conf/socket", "conf/log", "conf/msg", "conf/user", "conf/quota", "conf/sieve"];
    for (const sub of [...subs, "spool", "sieve", "tls", "tmp", "run/proc", "run/lock", "run/socket"])
      await mkdir(path.join(this.s.root, sub), { recursive: true, mode: 0o755 });
    await writeFile(this.confFile, cyrusImapdConf(this.s));
    await writeFile(path.join(this.s.root, "cyrus.conf"), cyrusConf(this.s));
    for (const u of [...this.s.users, { user: `${ADMIN.user}@${this.s.domain}`, pass: ADMIN.pass }]) {
      const [local, realm] = u.user.split("@") as [string, string];
      await saslpasswd(path.join(this.s.root, "sasldb2"), local, realm, u.pass);
    }
    await this.chownTree();
  }

  /** Gives the instance's files to the cyrus user: its services drop root before touching them. */
  private async chownTree(): Promise<void> {
    const { uid, gid } = await userIds(CYRUS_USER);
    await run("chown", ["-R", `${uid}:${gid}`, this.s.root]);
    await chown(this.s.root, uid, gid);
  }

  /** Starts the master and resolves when IMAP and POP3 greet, logins work and every mailbox exists. */
  async start(): Promise<void> {
    if (await this.masterPid()) return;
    await this.installCertificate();
    await this.spawnMaster();
    try {
      await this.waitReady();
    } catch (err) {
      const stderr = (await readFile(this.stderrFile, "utf8").catch(() => "")).trim();
      throw new Error(`Cyrus did not come up: ${(err as Error).message}\nmaster stderr:\n${stderr}`, {
        cause: err,
      });
    }
  }

  /** Copies the stack's live certificate and key where the cyrus user can read them. */
  async installCertificate(): Promise<void> {
    const { uid, gid } = await userIds(CYRUS_USER);
    for (const [from, to] of [
      [this.s.certFile, "server.crt"],
      [this.s.keyFile, "server.key"],
    ] as const) {
      const file = path.join(this.s.root, "tls", to);
      await copyFile(from, file);
      await chown(file, uid, gid);
    }
  }

  /** `master -C imapd.conf -M cyrus.conf -d` in the background, every inherited descriptor closed. */
  private async spawnMaster(): Promise<void> {
    const err = await open(this.stderrFile, "w");
    try {
      const master = path.join(CYRUS_ROOT, BIN, "master");
      const args = [
        "-C",
        this.confFile,
        "-M",
        path.join(this.s.root, "cyrus.conf"),
        "-p",
        this.pidFile,
        "-d",
      ];
      const env = { ...process.env, LD_LIBRARY_PATH: path.join(CYRUS_ROOT, LIB) };
      const child = spawn("bash", ["-c", CLOSE_FDS_AND_EXEC, "cyrus-start", master, ...args], {
        stdio: ["ignore", err.fd, err.fd],
        env,
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", resolve);
      });
      if (code !== 0) throw new Error(`cyrus master -d exited with ${code}`);
    } finally {
      await err.close();
    }
  }

  private async waitReady(): Promise<void> {
    for (const port of [this.s.ports.imap, this.s.ports.pop3]) {
      await waitFor(`a Cyrus greeting on ${port}`, async () =>
        /^(\* OK|\+OK).*Cyrus/.test(await readGreeting("127.0.0.1", port)),
      );
    }
    if (!this.mailboxesCreated) {
      await this.createMailboxes();
      this.mailboxesCreated = true;
    }
  }

  /** Creates each user's INBOX as the admin over IMAP (Cyrus has no auto-creation by default). */
  private async createMailboxes(): Promise<void> {
    const creates = this.s.users.map((u) => {
      const [local, domain] = u.user.split("@") as [string, string];
      return `CREATE user.${local}@${domain}`;
    });
    await imapCommands("127.0.0.1", this.s.ports.imap, [
      `LOGIN ${ADMIN.user}@${this.s.domain} ${ADMIN.pass}`,
      ...creates,
    ]);
  }

  /** Stops the master and every process of its tree. */
  async stop(): Promise<void> {
    await this.terminate();
  }

  /** The master's stderr (Cyrus's own messages go to syslog). */
  async log(): Promise<string> {
    return readFile(this.stderrFile, "utf8").catch(() => "");
  }
}

/** bash snippet: close every descriptor above 2, then exec the arguments. */
const CLOSE_FDS_AND_EXEC =
  'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@"';

/** Adds or replaces one sasldb user (`saslpasswd2 -p` reads the password from stdin). */
function saslpasswd(db: string, user: string, realm: string, pass: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("saslpasswd2", ["-p", "-c", "-f", db, "-u", realm, user], {
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`saslpasswd2 for ${user}@${realm} exited ${code}: ${stderr}`)),
    );
    child.stdin.end(pass);
  });
}
