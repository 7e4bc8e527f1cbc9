import { codedError, ProbeError, type ErrorCode, type Stage } from "../../contract/errors.js";
import { LineConnection } from "../net/line-conn.js";
import { tlsClientOptions } from "../net/tls.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { ServiceOf } from "../../config/services.js";
import type { CheckContext, CheckKind } from "./kind.js";

/**
 * POP3 check: greeting, STLS when configured, USER/PASS with the probe account, STAT, QUIT. POP3 is
 * simple enough that the probe speaks it itself on a LineConnection, which bounds every read and
 * times each step; implicit TLS is a separate handshake phase so certificate failures show as `tls`.
 */
export const pop3Check: CheckKind<"pop3"> = { kind: "pop3", run };

type Service = ServiceOf<"pop3">;

async function run(service: Service, ctx: CheckContext): Promise<CheckOutcome> {
  const tlsOpts = service.tls.mode === "none" ? undefined : tlsClientOptions(service.tls, service.host);
  const { host, port } = service;
  const account = ctx.account(service.account);
  const conn = await ctx.phase("connect", () => LineConnection.open({ host, port, signal: ctx.signal }));
  try {
    if (service.tls.mode === "implicit" && tlsOpts) await ctx.phase("tls", () => conn.upgrade(tlsOpts));
    const greeting = await ctx.phase("greeting", () => expectOk(conn, "greeting", "protocol", "greeting"));
    if (service.tls.mode === "starttls" && tlsOpts) {
      await ctx.phase("capability", () => requireStls(conn));
      await ctx.phase("starttls", async () => {
        await command(conn, "STLS", "starttls", "tls-unavailable");
        await conn.upgrade(tlsOpts);
      });
    }
    await ctx.phase("login", async () => {
      await command(conn, `USER ${account.username}`, "login", "auth");
      await command(conn, `PASS ${account.password.reveal()}`, "login", "auth", "PASS").catch(inUse);
    });
    const stat = await ctx.phase("stat", () => command(conn, "STAT", "stat", "mailbox"));
    const [messages, octets] = parseStat(stat);
    await ctx.phase("quit", () => command(conn, "QUIT", "quit", "protocol"));
    return {
      ...(conn.certificate ? { tls: conn.certificate } : {}),
      details: { messages, octets, greeting: greeting.slice(0, 200) },
    };
  } finally {
    conn.close();
  }
}

/**
 * Sends a command and expects `+OK`; a `-ERR` becomes `onErr` at `stage` with the server's words.
 * `shown` replaces the command line in messages so a password never reaches a result.
 */
async function command(
  conn: LineConnection,
  line: string,
  stage: Stage,
  onErr: ErrorCode,
  shown = line,
): Promise<string> {
  await conn.writeLine(line);
  return expectOk(conn, stage, onErr, shown);
}

/** Reads one status line: `+OK text` returns the text; `-ERR` is `onErr`; anything else is garbage. */
async function expectOk(conn: LineConnection, stage: Stage, onErr: ErrorCode, what: string): Promise<string> {
  const reply = await conn.readLine();
  const m = /^(\+OK|-ERR)(?: (.*))?$/i.exec(reply);
  const shown = JSON.stringify(reply.slice(0, 200));
  if (!m) throw new ProbeError("protocol", stage, `not a POP3 reply to ${what}: ${shown}`, undefined, reply);
  if (m[1]!.toUpperCase() === "-ERR") {
    throw new ProbeError(onErr, stage, `${what} refused: ${shown}`, undefined, reply.slice(0, 200));
  }
  return m[2] ?? "";
}

/** RFC 2449's [IN-USE]: the password was right but the mailbox is locked, so it is the mailbox that fails. */
function inUse(err: unknown): never {
  if (err instanceof ProbeError && /^-ERR \[IN-USE\]/i.test(err.response ?? "")) {
    throw new ProbeError("mailbox", err.stage, err.message, undefined, err.response);
  }
  throw err;
}

/** CAPA must list STLS: a server that does not offer it must not get the password in clear. */
async function requireStls(conn: LineConnection): Promise<void> {
  await conn.writeLine("CAPA");
  const first = await conn.readLine();
  if (/^-ERR/i.test(first)) throw codedError("tls-unavailable", "the server has no CAPA, so no STLS");
  if (!/^\+OK/i.test(first))
    throw codedError("protocol", `not a POP3 reply to CAPA: ${JSON.stringify(first)}`);
  let stls = false;
  for (let line = await conn.readLine(); line !== "."; line = await conn.readLine()) {
    if (/^STLS\b/i.test(line)) stls = true;
  }
  if (!stls) throw codedError("tls-unavailable", "STLS is not offered (not in CAPA)");
}

/** `+OK <count> <octets>` (RFC 1939): the count is the fact the result reports. */
function parseStat(text: string): [number, number] {
  const m = /^(\d+) (\d+)/.exec(text);
  if (!m) throw new ProbeError("protocol", "stat", `STAT reply not understood: ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2])];
}
