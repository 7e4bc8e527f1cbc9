/**
 * A private Dovecot instance (standalone config, no conf.d) for the test stack: IMAP, POP3 and LMTP,
 * passwd-file users, TLS with the stack's certificate; config generation and daemon control.
 */
import { spawn } from "node:child_process";
import { chown, mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { MasterDaemon, readGreeting, run, userIds, waitFor, type TerminateOptions } from "./proc.js";

/** See stop(): a killed master cannot respawn children, which shut down cleanly on SIGTERM. */
const STOP_SIGNALS: TerminateOptions = { master: "SIGKILL", children: true };

/** What the Dovecot instance is generated from. */
export interface DovecotSettings {
  /** Root of this instance's files (dovecot.conf, users, run/, state/, log/). */
  root: string;
  /** Mail store root: mailboxes live in MAILROOT/DOMAIN/LOCALPART/Maildir. */
  mailRoot: string;
  /** Used in the instance name so `ps` tells parallel stacks apart. */
  name: string;
  domain: string;
  ports: { imap: number; imaps: number; pop3: number; pop3s: number };
  users: { user: string; pass: string }[];
  /** The live certificate and key; the stack swaps their contents and reloads. */
  certFile: string;
  keyFile: string;
  /** Appended to dovecot.conf (limits for many connections: the scale bench). */
  extraConf?: string;
}

/** Virtual users are delivered as the system user "mail" (uid/gid 8 on every Debian). */
const MAIL_USER = "mail";

/** bash snippet: close every descriptor above 2, then exec the arguments. */
const CLOSE_FDS_AND_EXEC =
  'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@"';

/** dovecot.conf for the instance. */
export function dovecotConf(s: DovecotSettings): string {
  const d = (sub: string): string => path.join(s.root, sub);
  const listener = (name: string, port: number, ssl: boolean): string =>
    `  inet_listener ${name} {\n    address = 127.0.0.1\n    port = ${port}\n    ssl = ${ssl ? "yes" : "no"}\n  }`;
  return `# Private Dovecot instance of the mailsla test stack (generated; standalone, no conf.d)
instance_name = ${s.name}
base_dir = ${d("run")}
state_dir = ${d("state")}
log_path = ${d("log/dovecot.log")}
info_log_path = ${d("log/dovecot.log")}
log_timestamp = "%Y-%m-%d %H:%M:%S "
auth_verbose = yes

protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <${s.certFile}
ssl_key = <${s.keyFile}
disable_plaintext_auth = no
auth_mechanisms = plain login

mail_uid = ${MAIL_USER}
mail_gid = ${MAIL_USER}
first_valid_uid = 8
last_valid_uid = 8
first_valid_gid = 8
last_valid_gid = 8
mail_location = maildir:${s.mailRoot}/%d/%n/Maildir

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${d("users")}
}
userdb {
  driver = static
  args = uid=${MAIL_USER} gid=${MAIL_USER} home=${s.mailRoot}/%d/%n
}

service imap-login {
${listener("imap", s.ports.imap, false)}
${listener("imaps", s.ports.imaps, true)}
}
service pop3-login {
${listener("pop3", s.ports.pop3, false)}
${listener("pop3s", s.ports.pop3s, true)}
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@${s.domain}
}
${s.extraConf ?? ""}`;
}

/**
 * Control of one private Dovecot instance. Exists so the stack can start it detached without hanging
 * (gotcha: the master keeps the caller's stderr), wait until logins really work, reload and stop it.
 */
export class DovecotInstance extends MasterDaemon {
  /** The config file, the `-c` argument of dovecot and doveadm. */
  readonly confFile: string;
  /** Dovecot's log file (log_path and info_log_path). */
  readonly logFile: string;
  /** LMTP socket for Postfix's virtual_transport. */
  readonly lmtpSocket: string;
  /** SASL socket for Postfix's smtpd_sasl_path. */
  readonly authSocket: string;
  private readonly stderrFile: string;

  constructor(private readonly s: DovecotSettings) {
    super(path.join(s.root, "run", "master.pid"), STOP_SIGNALS);
    this.confFile = path.join(s.root, "dovecot.conf");
    this.logFile = path.join(s.root, "log", "dovecot.log");
    this.stderrFile = path.join(s.root, "log", "stderr.log");
    this.lmtpSocket = path.join(s.root, "run", "lmtp");
    this.authSocket = path.join(s.root, "run", "auth-postfix");
  }

  /** Creates directories, dovecot.conf, the passwd-file and each user's empty Maildir. */
  async writeConfig(): Promise<void> {
    for (const sub of ["run", "state", "log"]) await mkdir(path.join(this.s.root, sub), { recursive: true });
    await writeFile(this.confFile, dovecotConf(this.s));
    const users = this.s.users.map((u) => `${u.user}:${u.pass}\n`).join("");
    await writeFile(path.join(this.s.root, "users"), users, { mode: 0o644 });
    const { uid, gid } = await userIds(MAIL_USER);
    await mkdir(this.s.mailRoot, { recursive: true });
    await chown(this.s.mailRoot, uid, gid);
    for (const { user } of this.s.users) await this.createMaildir(user, uid, gid);
  }

  /** Pre-creates a Maildir (as Dovecot would) so tests can watch new/ before the first delivery. */
  private async createMaildir(address: string, uid: number, gid: number): Promise<void> {
    const [local, domain] = address.split("@") as [string, string];
    let dir = this.s.mailRoot;
    for (const part of [domain, local, "Maildir"]) {
      dir = path.join(dir, part);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chown(dir, uid, gid);
    }
    for (const sub of ["new", "cur", "tmp"]) {
      await mkdir(path.join(dir, sub), { mode: 0o700 });
      await chown(path.join(dir, sub), uid, gid);
    }
  }

  /** Starts the master (it daemonizes) and waits until IMAP and POP3 greet with "ready" and auth works. */
  async start(): Promise<void> {
    if (await this.masterPid()) return;
    const logStart = (await this.log()).length;
    const code = await this.spawnMaster();
    if (code !== 0) {
      const stderr = (await readFile(this.stderrFile, "utf8").catch(() => "")).trim();
      const why = [stderr, await this.logSince(logStart)].filter(Boolean).join("\n");
      throw new Error(`dovecot -c ${this.confFile} exited with ${code}:\n${why}`);
    }
    try {
      await this.waitReady();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await this.logSince(logStart)}`, { cause: err });
    }
  }

  /**
   * Runs `dovecot -c FILE` with stdout/stderr to a file and every other inherited descriptor closed
   * (the master keeps whatever it inherits, e.g. a test runner's pipe, open for its lifetime).
   * Resolves with the exit code of the daemonizing parent.
   */
  private async spawnMaster(): Promise<number | null> {
    const err = await open(this.stderrFile, "w");
    try {
      const args = ["-c", CLOSE_FDS_AND_EXEC, "dovecot-start", "dovecot", "-c", this.confFile];
      const child = spawn("bash", args, { stdio: ["ignore", err.fd, err.fd] });
      return await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", resolve);
      });
    } finally {
      await err.close();
    }
  }

  /** "Ready" means: greetings say "ready" (not "Waiting for authentication process") and a login works. */
  private async waitReady(): Promise<void> {
    const ready = async (port: number): Promise<boolean> =>
      /ready/i.test(await readGreeting("127.0.0.1", port));
    await waitFor(`Dovecot IMAP greeting on ${this.s.ports.imap}`, () => ready(this.s.ports.imap));
    await waitFor(`Dovecot POP3 greeting on ${this.s.ports.pop3}`, () => ready(this.s.ports.pop3));
    const user = this.s.users[0];
    if (user) {
      await waitFor("doveadm auth test", async () => {
        await run("doveadm", ["-c", this.confFile, "auth", "test", user.user, user.pass]);
        return true;
      });
    }
  }

  /** Re-reads the configuration (new connections get new login processes, hence the new certificate). */
  async reload(): Promise<void> {
    const logStart = (await this.log()).length;
    await run("doveadm", ["-c", this.confFile, "reload"]);
    const logged = async (): Promise<boolean> =>
      /reloading configuration/.test((await this.log()).slice(logStart));
    await waitFor("the Dovecot master to log its reload", logged);
  }

  /**
   * Stops Dovecot: SIGKILL to the master and SIGTERM to its children at the same moment, then waits
   * until all are gone (~20 ms). A SIGTERMed master respawns children that die before it handles its
   * own signal and then waits a fixed second for them; a killed master cannot. Open client sessions
   * are cut (for TLS sessions without a "* BYE": the login process that proxies TLS exits too).
   */
  async stop(): Promise<void> {
    if (!(await this.terminate())) return;
    // The killed master leaves its pid file and may stay a zombie for a while; Dovecot's own
    // "already running" check (kill 0) counts zombies, so the stale file must go.
    await rm(this.pidFile, { force: true });
  }

  /** The log file's contents. */
  async log(): Promise<string> {
    return readFile(this.logFile, "utf8").catch(() => "");
  }

  private async logSince(offset: number): Promise<string> {
    return `dovecot.log:\n${(await this.log()).slice(offset).trim()}`;
  }
}
