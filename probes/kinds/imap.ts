import net from "node:net";
import tls from "node:tls";
import { ImapFlow, type ImapTransport, type ImapTransportSocket } from "imapflow";
import { codedError } from "../../contract/errors.js";
import { imapErrorCode } from "../net/imap-codes.js";
import { certificateInfo, nodeTlsOptions, tlsClientOptions, type TlsClientOptions } from "../net/tls.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { ServiceOf } from "../../config/services.js";
import type { CheckContext, CheckKind, Credentials } from "./kind.js";

/**
 * IMAP check: connect (implicit TLS or STARTTLS), greeting, login with the probe account, EXAMINE the
 * mailbox, LOGOUT. imapflow speaks the protocol, but the probe opens the socket and reads the greeting
 * itself and hands the socket over through imapflow's `transport` option: that way connect, TLS and
 * greeting are timed as separate phases and a failure is attributed to the step that really failed.
 * Response codes (RFC 5530: [UNAVAILABLE], [AUTHENTICATIONFAILED], [INUSE], [LIMIT], [SERVERBUG], ...)
 * choose the error code (probes/net/imap-codes.ts).
 */
export const imapCheck: CheckKind<"imap"> = { kind: "imap", run };

type Service = ServiceOf<"imap">;

/** Longest greeting accepted; Dovecot's, with its capability list, is a few hundred bytes. */
const MAX_GREETING = 8 * 1024;

/** imapflow's own error codes that mean the server spoke something we could not parse. */
const PROTOCOL_CODES =
  /^(ParserError|InvalidResponse|UnexpectedTag|MissingTag|LineTooLarge|ResponseTooLarge|TooManyTokens|TooManyResponses|STARTTLS_INJECTION|MAX_IMAP_NESTING_REACHED|LiteralTooLarge)/;
const TIMEOUT_CODES = new Set(["CONNECT_TIMEOUT", "GREETING_TIMEOUT", "UPGRADE_TIMEOUT", "ETIMEOUT"]);
const CLOSED_CODES = new Set([
  "NoConnection",
  "EConnectionClosed",
  "ClosedAfterConnectText",
  "ClosedAfterConnectTLS",
  "StateLogout",
]);

async function run(service: Service, ctx: CheckContext): Promise<CheckOutcome> {
  const tlsOpts = service.tls.mode === "none" ? undefined : tlsClientOptions(service.tls, service.host);
  const account = ctx.account(service.account);
  const sockets: net.Socket[] = [];
  let client: ImapFlow | undefined;
  const onAbort = (): void => {
    client?.close();
    for (const s of sockets) s.destroy();
  };
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    let socket = await ctx.phase("connect", () => tcpConnect(service, ctx.signal));
    sockets.push(socket);
    let certificate: CheckOutcome["tls"];
    if (service.tls.mode === "implicit" && tlsOpts) {
      socket = await ctx.phase("tls", () => startTls(socket, tlsOpts, ctx.signal));
      sockets.push(socket);
      certificate = certificateInfo(socket as tls.TLSSocket);
    }
    const greeting = await ctx.phase("greeting", () => readGreeting(socket, ctx.signal));
    const session = openSession(service, account, socket, tlsOpts);
    client = session.client;
    if (service.tls.mode === "starttls") {
      const upgraded = await ctx.phase("starttls", () => Promise.race([session.secured, session.ready]));
      if (upgraded) sockets.push(upgraded);
      certificate = upgraded ? certificateInfo(upgraded) : undefined;
    }
    await ctx.phase("login", () => session.ready);
    const box = await ctx.phase("select", () => examine(session.client, service.mailbox));
    await ctx.phase("logout", () => logout(session.client));
    return {
      ...(certificate ? { tls: certificate } : {}),
      details: { mailbox: service.mailbox, exists: box.exists, greeting: greeting.slice(0, 200) },
    };
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    onAbort();
  }
}

/**
 * Starts imapflow on an already greeted socket. `ready` settles when login (and, for STARTTLS, the
 * upgrade before it) is done; `secured` resolves with the TLS socket once a STARTTLS handshake succeeds.
 */
function openSession(
  service: Service,
  account: Credentials,
  socket: net.Socket,
  tlsOpts: TlsClientOptions | undefined,
): { client: ImapFlow; ready: Promise<undefined>; secured: Promise<tls.TLSSocket> } {
  let upgradeStarted = false;
  let onSecured: (s: tls.TLSSocket) => void = () => undefined;
  const secured = new Promise<tls.TLSSocket>((resolve) => (onSecured = resolve));
  const transport: ImapTransport = {
    connect(_options, onConnect) {
      setImmediate(onConnect);
      return socket as ImapTransportSocket;
    },
    upgrade(plain, _options, onSecure) {
      upgradeStarted = true;
      const secure = tls.connect({ socket: plain as net.Socket, ...nodeTlsOptions(tlsOpts!) }, () => {
        onSecured(secure);
        onSecure();
      });
      return secure as ImapTransportSocket;
    },
  };
  const client = new ImapFlow({
    host: service.host,
    port: service.port,
    secure: service.tls.mode === "implicit",
    doSTARTTLS: service.tls.mode === "starttls",
    auth: { user: account.username, pass: account.password.reveal() },
    transport,
    logger: false,
    disableCompression: true,
    disableAutoEnable: true,
    disableAutoIdle: true,
    clientInfo: { name: "mailsla" },
  });
  // Failures reach us through the promises; without a listener an 'error' event would crash the agent.
  client.on("error", () => undefined);
  const ready = client.connect().then(
    () => undefined,
    (err: unknown) => Promise.reject(imapFailure(err, upgradeStarted)),
  );
  ready.catch(() => undefined);
  return { client, ready, secured };
}

/** EXAMINE (read-only SELECT): the probe must not change the mailbox it watches. */
async function examine(client: ImapFlow, mailbox: string): Promise<{ exists: number }> {
  try {
    const box = await client.mailboxOpen(mailbox, { readOnly: true });
    return { exists: box.exists };
  } catch (err) {
    const e = err as {
      responseStatus?: string;
      responseText?: string;
      mailboxMissing?: boolean;
      serverResponseCode?: string;
    };
    if (e.mailboxMissing) throw codedError("mailbox", `mailbox "${mailbox}" does not exist`);
    if (e.responseStatus === "NO" || e.responseStatus === "BAD") {
      const code = imapErrorCode(e.serverResponseCode, "mailbox");
      const why = `${e.serverResponseCode ? `[${e.serverResponseCode}] ` : ""}${e.responseText ?? e.responseStatus}`;
      throw codedError(code, `cannot open mailbox "${mailbox}": ${why}`);
    }
    throw imapFailure(err);
  }
}

async function logout(client: ImapFlow): Promise<void> {
  try {
    await client.logout();
  } catch (err) {
    throw imapFailure(err);
  }
}

/**
 * Translates imapflow's errors into the closed codes; errors it passes through from node:net and
 * node:tls keep their Node codes, which `classifyError` maps.
 */
function imapFailure(err: unknown, upgradeStarted = false): unknown {
  const e = (err ?? {}) as {
    code?: unknown;
    message?: string;
    authenticationFailed?: boolean;
    tlsFailed?: boolean;
    responseStatus?: string;
    responseText?: string;
    serverResponseCode?: string;
  };
  const code = typeof e.code === "string" ? e.code : "";
  const said = e.responseText ? `: ${e.responseText}` : "";
  const bracket = e.serverResponseCode ? ` [${e.serverResponseCode}]` : "";
  if (e.authenticationFailed) {
    const why = imapErrorCode(e.serverResponseCode, "auth");
    return codedError(why, `login refused${bracket}${said || `: ${e.message}`}`);
  }
  if (e.tlsFailed && !code && !upgradeStarted)
    return codedError("tls-unavailable", e.message ?? "STARTTLS failed");
  if (PROTOCOL_CODES.test(code)) return codedError("protocol", e.message ?? code);
  if (TIMEOUT_CODES.has(code)) return codedError("timeout", e.message ?? code);
  if (CLOSED_CODES.has(code)) return codedError("closed", e.message ?? code);
  if (e.responseStatus === "NO" || e.responseStatus === "BAD") {
    const why = imapErrorCode(e.serverResponseCode, "protocol");
    return codedError(why, `server answered ${e.responseStatus}${bracket}${said}`);
  }
  return err;
}

/** Opens the TCP connection; the abort signal (timeout) destroys a connection still being set up. */
function tcpConnect(service: Service, signal: AbortSignal): Promise<net.Socket> {
  signal.throwIfAborted();
  const socket = net.connect({ host: service.host, port: service.port });
  return settle(socket, "connect", signal).then(() => socket);
}

/** TLS handshake on a connected socket (implicit TLS, port 993). */
function startTls(socket: net.Socket, o: TlsClientOptions, signal: AbortSignal): Promise<tls.TLSSocket> {
  const secure = tls.connect({ socket, ...nodeTlsOptions(o) });
  return settle(secure, "secureConnect", signal).then(() => secure);
}

function settle(socket: net.Socket, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      socket.off(event, ok).off("error", done).off("close", closed);
      signal.removeEventListener("abort", aborted);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const ok = (): void => done();
    const closed = (): void => done(codedError("closed", "the connection was closed during set-up"));
    const aborted = (): void => done(codedError("timeout", "no answer within the check's timeout"));
    socket.once(event, ok).once("error", done).once("close", closed);
    signal.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * Reads the server's first line and puts the bytes back for imapflow. An untagged OK or PREAUTH is a
 * greeting; BYE is a refusal; anything else is another protocol or garbage.
 */
function readGreeting(socket: net.Socket, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined, line?: string): void => {
      socket.pause();
      socket.off("data", onData).off("error", finish).off("end", onEnd);
      signal.removeEventListener("abort", onAbort);
      if (chunks.length > 0) socket.unshift(Buffer.concat(chunks));
      if (err) reject(err);
      else resolve(line ?? "");
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      const all = Buffer.concat(chunks).toString("latin1");
      const end = all.indexOf("\n");
      if (end < 0) {
        if (size > MAX_GREETING) finish(codedError("protocol", `greeting longer than ${MAX_GREETING} bytes`));
        return;
      }
      const line = all.slice(0, end).replace(/\r$/, "");
      finish(greetingError(line), line);
    };
    const onEnd = (): void =>
      finish(codedError("closed", "the server closed the connection before its greeting"));
    const onAbort = (): void => finish(codedError("timeout", "no greeting within the check's timeout"));
    socket.on("data", onData).once("error", finish).once("end", onEnd);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function greetingError(line: string): Error | undefined {
  if (/^\* (OK|PREAUTH)\b/i.test(line)) return undefined;
  const shown = JSON.stringify(line.slice(0, 200));
  if (/^\* BYE\b/i.test(line)) return codedError("closed", `the server refused the session: ${shown}`);
  return codedError("protocol", `not an IMAP greeting: ${shown}`);
}
