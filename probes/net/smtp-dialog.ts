import type { Secret } from "../../config/secret.js";
import { systemClock, type Clock } from "../../contract/clock.js";
import { codedError, type ErrorCode } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import { LineConnection } from "./line-conn.js";
import type { TlsClientOptions } from "./tls.js";

/** Most lines one reply may have: a peer that never ends a multi-line reply is broken, not slow. */
const MAX_REPLY_LINES = 200;

/**
 * One SMTP reply. Checks decide on `code`; `lines` and `enhanced` (RFC 3463, e.g. "5.7.1") keep the
 * server's own words for the operator reading a failed result.
 */
export interface SmtpReply {
  code: number;
  lines: string[];
  enhanced?: string;
}

/** What EHLO told us: the checks need STARTTLS, the AUTH mechanisms and SIZE; the rest is kept by name. */
export interface EhloInfo {
  reply: SmtpReply;
  /** Keyword (upper case) → parameters, for every extension line after the greeting line. */
  extensions: Map<string, string[]>;
  starttls: boolean;
  /** AUTH mechanisms offered, upper case; empty when AUTH is not offered. */
  auth: string[];
  size?: number;
}

/** The SASL mechanisms the probe can use, in order of preference. */
export type AuthMechanism = "PLAIN" | "LOGIN";

/** The outcome of DATA: the delivery probes start their clock at `acceptedAt`, the 250 after the dot. */
export interface DataResult {
  reply: SmtpReply;
  /** `clock.monotonic()` right when the final reply line arrived. */
  acceptedAt: number;
}

/** One reply as one line for messages and details, e.g. "554 5.7.1 Relay access denied". */
export function formatReply(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(" / ")}`.trim();
}

/**
 * The error for a reply the step did not want: 4xx → smtp-4xx, 5xx → smtp-5xx (or the code the
 * caller names, e.g. `auth` for a refused login), anything else → protocol. `what` names the command
 * without its arguments where those could be secret.
 */
export function replyError(what: string, reply: SmtpReply, permanent: ErrorCode = "smtp-5xx"): Error {
  const text = formatReply(reply);
  const code: ErrorCode = reply.code >= 500 ? permanent : reply.code >= 400 ? "smtp-4xx" : "protocol";
  return codedError(code, `${what}: the server answered ${text}`, {
    responseCode: reply.code,
    response: text,
  });
}

/** Options of {@link SmtpDialog.connect}. */
export interface SmtpConnectOptions {
  host: string;
  port: number;
  signal: AbortSignal;
  /** Times the DATA reply; the system clock when not given. */
  clock?: Clock;
}

/**
 * A small SMTP client over {@link LineConnection}, one method per command, each throwing a coded
 * error (stage-less; the check's `phase` adds the stage). Probes need to stop before DATA, time the
 * 250 after DATA on the monotonic clock and see every reply, which nodemailer hides.
 */
export class SmtpDialog {
  private constructor(
    private readonly conn: LineConnection,
    private readonly clock: Clock,
  ) {}

  /** Opens a plain TCP connection; call {@link secure} next for implicit TLS (port 465). */
  static async connect(opts: SmtpConnectOptions): Promise<SmtpDialog> {
    const conn = await LineConnection.open({ host: opts.host, port: opts.port, signal: opts.signal });
    return new SmtpDialog(conn, opts.clock ?? systemClock);
  }

  /** Starts TLS at once (implicit TLS), before the server has said anything. */
  secure(tls: TlsClientOptions): Promise<void> {
    return this.conn.upgrade(tls);
  }

  /** The server certificate, once TLS is up. */
  get certificate(): CheckOutcome["tls"] {
    return this.conn.certificate;
  }

  /** Whether the session is encrypted. */
  get isSecure(): boolean {
    return this.conn.secure;
  }

  /** Reads one (possibly multi-line) reply; a line that is not `ddd`, `ddd text` or `ddd-text` is a protocol error. */
  async readReply(): Promise<SmtpReply> {
    const lines: string[] = [];
    let code: number | undefined;
    for (;;) {
      const line = await this.conn.readLine();
      const m = /^([2-5]\d\d)(?:([ -])(.*))?$/.exec(line);
      if (!m || (code !== undefined && Number(m[1]) !== code)) {
        throw codedError("protocol", `not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`);
      }
      code = Number(m[1]);
      lines.push(m[3] ?? "");
      if (m[2] !== "-") break;
      if (lines.length >= MAX_REPLY_LINES)
        throw codedError("protocol", `reply longer than ${MAX_REPLY_LINES} lines`);
    }
    const enhanced = /^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(lines[0] ?? "")?.[1];
    return { code, lines, ...(enhanced ? { enhanced } : {}) };
  }

  /** Sends one command line and reads its reply, whatever the code: for steps whose verdict is the code. */
  async send(line: string): Promise<SmtpReply> {
    await this.conn.writeLine(line);
    return this.readReply();
  }

  /** Sends a command and requires a 2xx reply (or exactly `expect`). */
  async command(line: string, expect?: number): Promise<SmtpReply> {
    const reply = await this.send(line);
    if (expect === undefined ? reply.code >= 300 : reply.code !== expect) throw replyError(line, reply);
    return reply;
  }

  /** Reads the server's greeting, which must be 220. */
  async banner(): Promise<SmtpReply> {
    const reply = await this.readReply();
    if (reply.code !== 220) throw replyError("banner", reply);
    return reply;
  }

  /** EHLO with its extensions parsed. */
  async ehlo(name: string): Promise<EhloInfo> {
    return parseEhlo(await this.command(`EHLO ${name}`, 250));
  }

  /**
   * STARTTLS and the TLS handshake. The caller sends EHLO again next (RFC 3207: what the server
   * said before TLS is void); it is left to the caller so that a failure there gets its own stage.
   */
  async starttls(tls: TlsClientOptions): Promise<void> {
    await this.command("STARTTLS", 220);
    await this.conn.upgrade(tls);
  }

  /**
   * Logs in with PLAIN or LOGIN, whichever is offered (PLAIN first). No usable mechanism →
   * `auth-unavailable`; a 5xx → `auth`. The password goes only into the socket: messages name the
   * mechanism, never the credentials.
   */
  async auth(offered: readonly string[], username: string, password: Secret): Promise<AuthMechanism> {
    const mech = (["PLAIN", "LOGIN"] as const).find((m) => offered.includes(m));
    if (!mech) {
      const what = offered.length ? `only ${offered.join(", ")}` : "no AUTH";
      throw codedError("auth-unavailable", `the server offers ${what}; the probe needs PLAIN or LOGIN`);
    }
    const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
    const steps =
      mech === "PLAIN"
        ? [`AUTH PLAIN ${b64(`\0${username}\0${password.reveal()}`)}`]
        : ["AUTH LOGIN", b64(username), b64(password.reveal())];
    let reply: SmtpReply | undefined;
    for (const [i, step] of steps.entries()) {
      reply = await this.send(step);
      if (reply.code !== 334 || i === steps.length - 1) break;
    }
    if (reply?.code !== 235) throw replyError(`AUTH ${mech}`, reply as SmtpReply, "auth");
    return mech;
  }

  /** MAIL FROM, which must be accepted. */
  mailFrom(address: string): Promise<SmtpReply> {
    return this.command(`MAIL FROM:<${address}>`);
  }

  /** RCPT TO, which must be accepted. */
  rcptTo(address: string): Promise<SmtpReply> {
    return this.command(`RCPT TO:<${address}>`);
  }

  /**
   * DATA: the message (any line endings) is sent with CRLF and dot-stuffing, and the moment of the
   * server's 250 is taken on the monotonic clock: the start of a delivery-delay measurement.
   */
  async data(message: string): Promise<DataResult> {
    await this.command("DATA", 354);
    return this.body(message);
  }

  /**
   * Sends several commands in one write (RFC 2920 PIPELINING, when EHLO offered it): a probe's MAIL,
   * RCPT and DATA cost one write and one round trip instead of three. Read each reply with
   * {@link reply}, in order.
   */
  pipeline(lines: readonly string[]): Promise<void> {
    return this.conn.write(lines.map((l) => `${l}\r\n`).join(""));
  }

  /** Reads the reply to a command sent earlier (pipelined) and requires 2xx, or exactly `expect`. */
  async reply(what: string, expect?: number): Promise<SmtpReply> {
    const reply = await this.readReply();
    if (expect === undefined ? reply.code >= 300 : reply.code !== expect) throw replyError(what, reply);
    return reply;
  }

  /** The message after the 354 (dot-stuffed), and the 250 timed on the monotonic clock as in {@link data}. */
  async body(message: string): Promise<DataResult> {
    await this.conn.write(dotStuff(message));
    return this.accepted("end of DATA");
  }

  /**
   * MAIL and RCPT (`before`), then the whole message as one last chunk (RFC 3030 `BDAT n LAST`,
   * when EHLO offered CHUNKING and PIPELINING), in one write: no 354 to wait for, no dot-stuffing.
   * Read the replies to `before` with {@link reply}, then the message's with {@link accepted}.
   */
  pipelineChunk(before: readonly string[], message: string): Promise<void> {
    const payload = crlfLines(message);
    const commands = [...before, `BDAT ${Buffer.byteLength(payload, "utf8")} LAST`];
    return this.conn.write(commands.map((l) => `${l}\r\n`).join("") + payload);
  }

  /**
   * Reads the reply that ends a message (end of DATA, BDAT LAST), which must be 2xx, and its
   * moment on the monotonic clock: the start of a delivery-delay measurement.
   */
  async accepted(what: string): Promise<DataResult> {
    const reply = await this.readReply();
    const acceptedAt = this.clock.monotonic();
    if (reply.code >= 300) throw replyError(what, reply);
    return { reply, acceptedAt };
  }

  /** RSET: drops the open transaction, so nothing started is ever delivered. */
  rset(): Promise<SmtpReply> {
    return this.command("RSET", 250);
  }

  /** QUIT, which must be answered by 221; the connection is closed afterwards either way. */
  async quit(): Promise<SmtpReply> {
    try {
      return await this.command("QUIT", 221);
    } finally {
      this.close();
    }
  }

  /**
   * Ends a session whose verdict is already known: RSET and QUIT, each skipped on the first error
   * and never waiting longer than `waitMs`, so a server that hangs up or stalls at the goodbye
   * cannot turn a known verdict into a timeout.
   */
  async leave(waitMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    const polite = (async () => {
      await this.rset();
      await this.quit();
    })().catch(() => undefined);
    await Promise.race([polite, bound]);
    clearTimeout(timer);
    this.close();
  }

  /** Puts the session under another abort signal (a session reused for the next probe message). */
  rebind(signal: AbortSignal): void {
    this.conn.rebind(signal);
  }

  /** Whether the session can take a new transaction now: open, no failure, no unread reply. */
  get reusable(): boolean {
    return this.conn.idleUsable;
  }

  /** Closes the connection at once; safe to call twice. */
  close(): void {
    this.conn.close();
  }
}

/** Parses an EHLO reply: the first line greets, each further line is `KEYWORD [params]`. */
export function parseEhlo(reply: SmtpReply): EhloInfo {
  const extensions = new Map<string, string[]>();
  for (const line of reply.lines.slice(1)) {
    // "AUTH=PLAIN LOGIN" is the pre-standard form some servers still send beside "AUTH PLAIN LOGIN".
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/.exec(line.trim());
    if (m?.[1]) extensions.set(m[1].toUpperCase(), (m[2] ?? "").split(/\s+/).filter(Boolean));
  }
  const size = Number(extensions.get("SIZE")?.[0]);
  return {
    reply,
    extensions,
    starttls: extensions.has("STARTTLS"),
    auth: (extensions.get("AUTH") ?? []).map((m) => m.toUpperCase()),
    ...(Number.isFinite(size) && size > 0 ? { size } : {}),
  };
}

/** A message's lines, whatever its line ends, without the final line end. */
function linesOf(message: string): string[] {
  return message.replace(/\r?\n$/, "").split(/\r?\n/);
}

/** A message with CRLF line ends and a final CRLF: the payload of `BDAT ... LAST`. */
export function crlfLines(message: string): string {
  return linesOf(message).join("\r\n") + "\r\n";
}

/** The DATA payload: CRLF line ends, a leading "." doubled (RFC 5321 4.5.2), then the end mark. */
export function dotStuff(message: string): string {
  return (
    linesOf(message)
      .map((l) => (l.startsWith(".") ? `.${l}` : l))
      .join("\r\n") + "\r\n.\r\n"
  );
}
