/**
 * A private Postfix instance (its own config directory, queue and log file) for the test stack:
 * config generation and daemon control. It never touches /etc/postfix's default instance.
 */
import { chown, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  MasterDaemon,
  processTree,
  readGreeting,
  run,
  userIds,
  waitFor,
  waitForExit,
  type TerminateOptions,
} from "./proc.js";

/** Postfix's master signals its own process group on SIGTERM. */
const STOP_SIGNALS: TerminateOptions = { master: "SIGTERM", children: false };

/** What the Postfix instance is generated from; paths of sockets and certificates come from the stack. */
export interface PostfixSettings {
  /** Root of this instance's files (etc/, spool/, data/, log/ are created inside). */
  root: string;
  /** Prefix allowed for maillog_file (Postfix refuses log files outside maillog_file_prefixes). */
  stackDir: string;
  hostname: string;
  domain: string;
  foreignDomain: string;
  ports: { smtp: number; submission: number; submissions: number; sink: number };
  /** Full addresses with a mailbox in `domain`. */
  mailboxes: string[];
  /** Dovecot's LMTP socket (virtual_transport) and SASL socket (smtpd_sasl_path). */
  lmtpSocket: string;
  authSocket: string;
  /** The live certificate and key; the stack swaps their contents and reloads. */
  certFile: string;
  keyFile: string;
}

/** The system user Postfix runs as (mail_owner); owns data_directory. */
const POSTFIX_USER = "postfix";

/** main.cf for the instance. Fault-injection knobs (defer_transports, ...) are set to their defaults. */
export function postfixMainCf(s: PostfixSettings): string {
  const d = (sub: string): string => path.join(s.root, sub);
  return `# Private Postfix instance of the mailsla test stack (generated; see docs/test-stack.md)
compatibility_level = 3.6
queue_directory = ${d("spool")}
data_directory = ${d("data")}
mail_owner = ${POSTFIX_USER}
setgid_group = postdrop
maillog_file = ${d("log/maillog")}
maillog_file_prefixes = /var, /dev/stdout, ${s.stackDir}

myhostname = ${s.hostname}
mydomain = ${s.domain}
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
alias_maps =
alias_database =
local_transport = error:local delivery disabled in test stack
smtpd_peername_lookup = no
in_flow_delay = 0s

virtual_mailbox_domains = ${s.domain}
virtual_mailbox_maps = texthash:${d("etc/vmailbox")}
virtual_transport = lmtp:unix:${s.lmtpSocket}
transport_maps = texthash:${d("etc/transport")}
smtp_dns_support_level = disabled

smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${s.authSocket}
smtpd_sasl_auth_enable = no
# used by the submission and submissions services in master.cf; knobs like any other parameter
mua_client_restrictions = permit_sasl_authenticated, reject
mua_relay_restrictions = permit_sasl_authenticated, reject

smtpd_tls_security_level = may
smtpd_tls_chain_files = ${s.keyFile}, ${s.certFile}
smtpd_tls_session_cache_database =
smtpd_tls_loglevel = 1
smtp_tls_security_level = none

queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
smtp_connect_timeout = 5s
lmtp_connect_timeout = 5s
service_throttle_time = 2s

# fault-injection knobs (see docs/test-stack.md)
defer_transports =
smtpd_data_restrictions =
`;
}

/** master.cf: the three SMTP listeners on loopback plus the usual services, all unchrooted. */
export function postfixMasterCf(s: PostfixSettings): string {
  const name = (svc: string): string => `  -o syslog_name=postfix-mailsla/${svc}`;
  const mua = [
    "  -o smtpd_sasl_auth_enable=yes",
    "  -o smtpd_client_restrictions=$mua_client_restrictions",
    "  -o smtpd_relay_restrictions=$mua_relay_restrictions",
  ];
  const lines = [
    "# Private Postfix master.cf of the mailsla test stack (generated). chroot = n everywhere.",
    `127.0.0.1:${s.ports.smtp} inet n - n - - smtpd`,
    name("smtp"),
    `127.0.0.1:${s.ports.submission} inet n - n - - smtpd`,
    name("submission"),
    ...mua,
    `127.0.0.1:${s.ports.submissions} inet n - n - - smtpd`,
    name("submissions"),
    "  -o smtpd_tls_wrappermode=yes",
    "  -o smtpd_tls_security_level=encrypt",
    ...mua,
    ...[
      "pickup unix n - n 60 1 pickup",
      "cleanup unix n - n - 0 cleanup",
      "qmgr unix n - n 300 1 qmgr",
      "tlsmgr unix - - n 1000? 1 tlsmgr",
      "rewrite unix - - n - - trivial-rewrite",
      "bounce unix - - n - 0 bounce",
      "defer unix - - n - 0 bounce",
      "trace unix - - n - 0 bounce",
      "verify unix - - n - 1 verify",
      "flush unix n - n 1000? 0 flush",
      "proxymap unix - - n - - proxymap",
      "proxywrite unix - - n - 1 proxymap",
      "smtp unix - - n - - smtp",
      "relay unix - - n - - smtp",
      "showq unix n - n - - showq",
      "error unix - - n - - error",
      "retry unix - - n - - error",
      "discard unix - - n - - discard",
      "local unix - n n - - local",
      "virtual unix - n n - - virtual",
      "lmtp unix - - n - - lmtp",
      "anvil unix - - n - 1 anvil",
      "scache unix - - n - 1 scache",
      "postlog unix-dgram n - n - 1 postlogd",
    ],
  ];
  return lines.join("\n") + "\n";
}

/**
 * Control of one private Postfix instance. Exists so the stack and tests can start, stop, reconfigure
 * and flush it with the gotchas (hot files, TTY-only errors, slow `postfix stop`) handled in one place.
 */
export class PostfixInstance extends MasterDaemon {
  /** Config directory, the `-c` argument of every Postfix command. */
  readonly etc: string;
  /** The log file (maillog_file); Postfix has no syslog here. */
  readonly logFile: string;

  constructor(private readonly s: PostfixSettings) {
    super(path.join(s.root, "spool", "pid", "master.pid"), STOP_SIGNALS);
    this.etc = path.join(s.root, "etc");
    this.logFile = path.join(s.root, "log", "maillog");
  }

  /** Creates directories and writes main.cf, master.cf and the maps. */
  async writeConfig(): Promise<void> {
    for (const sub of ["etc", "spool", "data", "log"])
      await mkdir(path.join(this.s.root, sub), { recursive: true });
    const { uid, gid } = await userIds(POSTFIX_USER);
    await chown(path.join(this.s.root, "data"), uid, gid);
    await this.writeEtc("main.cf", postfixMainCf(this.s));
    await this.writeEtc("master.cf", postfixMasterCf(this.s));
    await this.writeEtc("vmailbox", this.s.mailboxes.map((m) => `${m} ok\n`).join(""));
    await this.writeEtc("transport", `${this.s.foreignDomain} smtp:[127.0.0.1]:${this.s.ports.sink}\n`);
  }

  private async writeEtc(name: string, text: string): Promise<void> {
    await writeFile(path.join(this.etc, name), text);
    await this.coolDown(name);
  }

  /** Backdates a config file: Postfix programs wait ~2 s when main.cf or a map changed < 2 s ago. */
  private async coolDown(name: string): Promise<void> {
    const past = new Date(Date.now() - 10_000);
    await utimes(path.join(this.etc, name), past, past);
  }

  /** Starts the master and waits until the SMTP ports greet; on failure throws with the real reason. */
  async start(): Promise<void> {
    if (await this.masterPid()) return;
    try {
      await run("postfix", ["-c", this.etc, "start"], { timeoutMs: 20_000 });
    } catch (err) {
      throw new Error(`postfix start failed: ${(err as Error).message}\n${await this.diagnose()}`, {
        cause: err,
      });
    }
    await this.waitGreetings(10_000);
  }

  /** `postfix check` under a pseudo-terminal (it prints errors only to a TTY) plus the log's tail. */
  private async diagnose(): Promise<string> {
    const check = await run("script", ["-qec", `postfix -c '${this.etc}' check`, "/dev/null"], {
      allowFailure: true,
    }).catch((err: Error) => ({ stdout: err.message }));
    const log = (await this.log()).split("\n").slice(-20).join("\n");
    return `postfix check says:\n${check.stdout.trim() || "(nothing)"}\nmaillog tail:\n${log}`;
  }

  /**
   * Stops the master with SIGTERM (it signals its children) and waits until the whole process tree is
   * gone. Faster than `postfix stop`, which polls once a second.
   */
  async stop(): Promise<void> {
    await this.terminate();
  }

  /**
   * `postfix reload`, then waits until it took effect: the master logged the reload, idle old smtpd
   * processes exited (busy ones finish their session) and both SMTP ports greet. If smtpd now dies at
   * start-up (a setting it refuses), throws with its fatal log lines instead of leaving a silent port.
   */
  async reload(): Promise<void> {
    const pid = await this.masterPid();
    if (!pid) return;
    const oldChildren = processTree(pid).slice(1);
    const logStart = (await this.log()).length;
    await run("postfix", ["-c", this.etc, "reload"]);
    const since = async (): Promise<string> => (await this.log()).slice(logStart);
    await waitFor("the Postfix master to log its reload", async () => / reload -- /.test(await since()));
    await waitForExit(oldChildren, 500);
    try {
      await this.waitGreetings(3000);
    } catch (err) {
      const fatal = (await since()).split("\n").filter((l) => /fatal:|error:|panic:/.test(l));
      throw new Error(
        `Postfix does not greet after reload (${(err as Error).message}):\n${fatal.join("\n")}`,
        { cause: err },
      );
    }
  }

  private async waitGreetings(timeoutMs: number): Promise<void> {
    for (const port of [this.s.ports.smtp, this.s.ports.submission]) {
      const greets = async (): Promise<boolean> =>
        /^220 /.test(await readGreeting("127.0.0.1", port, timeoutMs));
      await waitFor(`a Postfix greeting on port ${port}`, greets, { timeoutMs });
    }
  }

  /** Sets main.cf parameters (`postconf -e`), backdates main.cf and reloads (see reload()) if running. */
  async postconf(settings: Record<string, string>): Promise<void> {
    const args = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
    if (args.length === 0) return;
    await run("postconf", ["-c", this.etc, "-e", ...args]);
    await this.coolDown("main.cf");
    if (await this.masterPid()) await this.reload();
  }

  /** Values of main.cf parameters as Postfix sees them (`postconf -h`), e.g. to restore one. */
  async postconfGet(names: string[]): Promise<Record<string, string>> {
    const { stdout } = await run("postconf", ["-c", this.etc, "-h", ...names]);
    const values = stdout.split("\n");
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? ""]));
  }

  /** Rewrites the generated main.cf (undoing every postconf) and reloads if running. */
  async resetConfig(): Promise<void> {
    await this.writeEtc("main.cf", postfixMainCf(this.s));
    if (await this.masterPid()) await this.reload();
  }

  /** `postqueue -f`: retry deferred mail now instead of after the backoff time. */
  async flush(): Promise<void> {
    await run("postqueue", ["-c", this.etc, "-f"]);
  }

  /** `postqueue -p` output: what is in the queue. */
  async mailq(): Promise<string> {
    return (await run("postqueue", ["-c", this.etc, "-p"], { allowFailure: true })).stdout;
  }

  /** Runs `postsuper` (e.g. ["-H", "ALL"] to release held mail, ["-d", "ALL"] to empty the queue). */
  async postsuper(args: string[]): Promise<void> {
    await run("postsuper", ["-c", this.etc, ...args]);
  }

  /** The log file's contents ("" before the first line is written). */
  async log(): Promise<string> {
    return readFile(this.logFile, "utf8").catch(() => "");
  }
}
