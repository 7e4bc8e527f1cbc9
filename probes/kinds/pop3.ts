import { codedError, ProbeError, type ErrorCode, type Stage } from "../../contract/errors.js";
import { LineConnection } from "../net/line-conn.js";
import { parseCapa, pop3ErrorCode, type Pop3Capabilities } from "../net/pop3-codes.js";
import { loginSlot, type SlotLease } from "../net/pop3-login-slot.js";
import { tlsClientOptions } from "../net/tls.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { ServiceOf } from "../../config/services.js";
import type { CheckContext, CheckKind } from "./kind.js";

/**
 * POP3 check: greeting, CAPA, STLS when configured, USER/PASS with the probe account, STAT, QUIT. POP3
 * is simple enough that the probe speaks it itself on a LineConnection, which bounds every read and
 * times each step; implicit TLS is a separate handshake phase so certificate failures show as `tls`.
 * Extended response codes (RFC 2449, 3206) pick the error code; the login goes through the account's
 * shared login slot (probes/net/pop3-login-slot.ts), which honours the server's LOGIN-DELAY, so a
 * refusal by the server's own rate policy is reported as `login-delay`, a result that does not count.
 */
export const pop3Check: CheckKind<"pop3"> = { kind: "pop3", run };

type Service = ServiceOf<"pop3">;

async function run(service: Service, ctx: CheckContext): Promise<CheckOutcome> {
  const tlsOpts = service.tls.mode === "none" ? undefined : tlsClientOptions(service.tls, service.host);
  const { host, port } = service;
  const account = ctx.account(service.account);
  const slot = loginSlot(host, port, account.username);
  const conn = await ctx.phase("connect", () => LineConnection.open({ host, port, signal: ctx.signal }));
  let lease: SlotLease | undefined;
  try {
    if (service.tls.mode === "implicit" && tlsOpts) await ctx.phase("tls", () => conn.upgrade(tlsOpts));
    const greeting = await ctx.phase("greeting", () => expectOk(conn, "greeting", "protocol", "greeting"));
    const caps = await ctx.phase("capability", () => capabilities(conn));
    if (caps) slot.announce(caps.loginDelayMs);
    if (service.tls.mode === "starttls" && tlsOpts) {
      if (!caps) throw new ProbeError("tls-unavailable", "capability", "the server has no CAPA, so no STLS");
      if (!caps.stls)
        throw new ProbeError("tls-unavailable", "capability", "STLS is not offered (not in CAPA)");
      await ctx.phase("starttls", async () => {
        await command(conn, "STLS", "starttls", "tls-unavailable");
        await conn.upgrade(tlsOpts);
      });
    }
    lease = await slot.acquire("check", ctx.clock.monotonic() + SLOT_WAIT_MS, ctx.signal);
    if (!lease) {
      const delay = slot.loginDelayMs / 1000;
      throw new ProbeError(
        "login-delay",
        "login",
        `not logged in: the server allows one login of this account per ${delay} s (LOGIN-DELAY) and the ` +
          `next turn is more than ${SLOT_WAIT_MS / 1000} s away`,
      );
    }
    const turn = lease;
    await ctx.phase("login", async () => {
      await command(conn, `USER ${account.username}`, "login", "auth");
      try {
        await command(conn, `PASS ${account.password.reveal()}`, "login", "auth", "PASS");
      } catch (err) {
        if (err instanceof ProbeError && err.code === "login-delay") turn.refused();
        throw err;
      }
      turn.loggedIn();
    });
    const stat = await ctx.phase("stat", () => command(conn, "STAT", "stat", "mailbox"));
    const [messages, octets] = parseStat(stat);
    await ctx.phase("quit", () => command(conn, "QUIT", "quit", "protocol"));
    return {
      ...(conn.certificate ? { tls: conn.certificate } : {}),
      details: {
        messages,
        octets,
        greeting: greeting.slice(0, 200),
        ...(caps?.loginDelayMs ? { loginDelaySeconds: caps.loginDelayMs / 1000 } : {}),
        ...(caps?.expire !== undefined ? { expire: String(caps.expire) } : {}),
      },
    };
  } finally {
    conn.close();
    lease?.release();
  }
}

/** How long a check waits for its turn of the account's login slot before it reports `login-delay`. */
const SLOT_WAIT_MS = 10_000;

/** CAPA's lines (RFC 2449), or undefined when the server has no CAPA (-ERR). */
async function capabilities(conn: LineConnection): Promise<Pop3Capabilities | undefined> {
  await conn.writeLine("CAPA");
  const first = await conn.readLine();
  if (/^-ERR/i.test(first)) return undefined;
  if (!/^\+OK/i.test(first))
    throw codedError("protocol", `not a POP3 reply to CAPA: ${JSON.stringify(first.slice(0, 200))}`);
  const lines: string[] = [];
  for (let line = await conn.readLine(); line !== "."; line = await conn.readLine()) lines.push(line);
  return parseCapa(lines);
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

/**
 * Reads one status line: `+OK text` returns the text; `-ERR` is its response code's error code (RFC
 * 2449, 3206), else `onErr`; anything else is garbage.
 */
async function expectOk(conn: LineConnection, stage: Stage, onErr: ErrorCode, what: string): Promise<string> {
  const reply = await conn.readLine();
  const m = /^(\+OK|-ERR)(?: (.*))?$/i.exec(reply);
  const shown = JSON.stringify(reply.slice(0, 200));
  if (!m) throw new ProbeError("protocol", stage, `not a POP3 reply to ${what}: ${shown}`, undefined, reply);
  if (m[1]!.toUpperCase() === "-ERR") {
    const code = pop3ErrorCode(reply, onErr);
    throw new ProbeError(code, stage, `${what} refused: ${shown}`, undefined, reply.slice(0, 200));
  }
  return m[2] ?? "";
}

/** `+OK <count> <octets>` (RFC 1939): the count is the fact the result reports. */
function parseStat(text: string): [number, number] {
  const m = /^(\d+) (\d+)/.exec(text);
  if (!m) throw new ProbeError("protocol", "stat", `STAT reply not understood: ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2])];
}
