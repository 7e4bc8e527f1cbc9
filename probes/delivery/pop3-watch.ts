import type { ServiceOf } from "../../config/services.js";
import { codedError, type ErrorCode } from "../../contract/errors.js";
import type { Credentials } from "../kinds/kind.js";
import { LineConnection } from "../net/line-conn.js";
import { tlsClientOptions } from "../net/tls.js";
import { parseCapa, pop3ErrorCode } from "../net/pop3-codes.js";
import { loginSlot, type LoginSlot } from "../net/pop3-login-slot.js";
import { probeOf, Wake, type Watcher, type WatcherDeps } from "./watch.js";

/**
 * Watches a POP3-only mailbox by polling: POP3 has no push and a session sees a snapshot taken at
 * login, so every poll is a new session (login, UIDL, TOP of unseen messages, DELE of probes, QUIT).
 * It polls fast right after a send, at `pollMs` while messages are awaited, rarely otherwise. A
 * message found at a poll arrived after the previous poll's login: that gap is its error bound. POP3
 * sees no folders, so a probe filed as spam cannot be told from a lost one here. Every login takes a
 * turn of the account's login slot (shared with the pop3 check), which honours the LOGIN-DELAY the
 * server announces in CAPA (RFC 2449): on such a server the watcher polls no more often than that.
 */
export function watchPop3(service: ServiceOf<"pop3">, account: Credentials, deps: WatcherDeps): Watcher {
  return new Pop3Watcher(service, account, deps);
}

/** Most non-probe UIDLs remembered (so their headers are not fetched at every poll). */
const MAX_REMEMBERED = 10_000;
/** A POP3 session is heavier than a NOOP: the burst polls at no less than this interval. */
const MIN_BURST_POLL_MS = 100;

class Pop3Watcher implements Watcher {
  private stopped = false;
  private readonly wake = new Wake();
  private readonly loop: Promise<void>;
  private readonly abort = new AbortController();
  private burstUntil = -Infinity;
  private knownUntil = -Infinity;
  private readonly notProbes = new Set<string>();
  private failures = 0;
  private readonly slot: LoginSlot;
  private markReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly service: ServiceOf<"pop3">,
    private readonly account: Credentials,
    private readonly deps: WatcherDeps,
  ) {
    this.slot = loginSlot(service.host, service.port, account.username);
    this.loop = this.run();
  }

  expect(): void {
    if (this.deps.tuning.burst) this.burstUntil = this.deps.clock.monotonic() + this.deps.tuning.burstMs;
    this.wake.notify();
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.markReady();
    this.abort.abort();
    this.wake.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.poll();
        this.failures = 0;
        this.markReady();
      } catch (err) {
        const level = this.failures++ === 0 ? "warn" : "debug";
        const code = (err as { probeCode?: ErrorCode }).probeCode;
        const what =
          code === "login-delay" ? "POP3 login refused by the server's LOGIN-DELAY" : "POP3 poll failed";
        if (!this.stopped) this.deps.log[level]({ err, mailbox: this.service.name, code }, what);
      }
      if (this.stopped) break;
      await this.wake.wait(this.nextPollMs());
    }
  }

  private nextPollMs(): number {
    const t = this.deps.tuning;
    if (this.deps.clock.monotonic() < this.burstUntil) return Math.max(MIN_BURST_POLL_MS, t.burstPollMs);
    return this.deps.awaited() > 0 ? t.pollMs : t.idleRenewMs;
  }

  /**
   * One session in a turn of the login slot: every unseen message's header is read, probes are
   * reported and deleted as told.
   */
  private async poll(): Promise<void> {
    const lease = await this.slot.acquire("watcher", Infinity, this.abort.signal);
    if (!lease) return; // stopped
    let conn: LineConnection | undefined;
    try {
      conn = await this.open();
      const s = this.deps.clock.monotonic();
      await command(conn, `USER ${this.account.username}`);
      try {
        await command(conn, `PASS ${this.account.password.reveal()}`, "PASS");
      } catch (err) {
        if ((err as { probeCode?: ErrorCode }).probeCode === "login-delay") lease.refused();
        throw err;
      }
      lease.loggedIn();
      const seenAt = this.deps.clock.monotonic();
      const wall = this.deps.clock.now();
      const listing = await multiline(conn, "UIDL");
      for (const line of listing) {
        const [n, uidl] = line.split(" ");
        if (!n || !uidl || this.notProbes.has(uidl) || this.stopped) continue;
        const probe = probeOf((await multiline(conn, `TOP ${n} 0`)).join("\r\n"));
        if (!probe) {
          if (this.notProbes.size >= MAX_REMEMBERED) this.notProbes.clear();
          this.notProbes.add(uidl);
          continue;
        }
        const boundSeconds = (seenAt - this.knownUntil) / 1000;
        const at = { mono: seenAt, wall };
        const verdict = this.deps.onArrival({
          ...probe,
          folder: "inbox",
          at,
          boundSeconds,
          detection: "pop3-poll",
        });
        if (verdict === "delete") await command(conn, `DELE ${n}`);
      }
      this.deps.settle?.(); // the DELEs take effect at QUIT: the takes are made durable first, once
      await command(conn, "QUIT");
      this.knownUntil = Math.max(this.knownUntil, s);
    } finally {
      conn?.close();
      lease.release();
    }
  }

  /** Connects (implicit TLS or STLS as configured) and reads the greeting. */
  private async open(): Promise<LineConnection> {
    const { host, port, tls } = this.service;
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(30_000)]);
    const tlsOpts = tls.mode === "none" ? undefined : tlsClientOptions(tls, host);
    const conn = await LineConnection.open({
      host,
      port,
      signal,
      implicitTls: tls.mode === "implicit" ? tlsOpts : undefined,
    });
    try {
      await status(conn, "greeting");
      const caps = await capa(conn);
      if (caps) this.slot.announce(caps.loginDelayMs);
      if (tls.mode === "starttls" && tlsOpts) {
        await command(conn, "STLS");
        await conn.upgrade(tlsOpts);
      }
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    }
  }
}

/**
 * Reads one status line; anything but +OK is an error naming `what` (never a password), coded by its
 * response code (RFC 2449, 3206) or as `mailbox`.
 */
async function status(conn: LineConnection, what: string): Promise<string> {
  const line = await conn.readLine();
  if (!/^\+OK\b/i.test(line))
    throw codedError(pop3ErrorCode(line, "mailbox"), `POP3 ${what}: ${JSON.stringify(line.slice(0, 200))}`);
  return line;
}

/** The server's CAPA (RFC 2449), or undefined when it has none. */
async function capa(conn: LineConnection): Promise<ReturnType<typeof parseCapa> | undefined> {
  await conn.writeLine("CAPA");
  if (!/^\+OK\b/i.test(await conn.readLine())) return undefined;
  const lines: string[] = [];
  for (let l = await conn.readLine(); l !== "."; l = await conn.readLine()) lines.push(l);
  return parseCapa(lines);
}

/** Sends a command and requires +OK; `shown` replaces the command in errors. */
async function command(conn: LineConnection, line: string, shown = line): Promise<string> {
  await conn.writeLine(line);
  return status(conn, shown);
}

/** A command with a multi-line answer: its lines, dot-unstuffed, without the final ".". */
async function multiline(conn: LineConnection, line: string): Promise<string[]> {
  await command(conn, line);
  const lines: string[] = [];
  for (let l = await conn.readLine(); l !== "."; l = await conn.readLine()) {
    lines.push(l.startsWith("..") ? l.slice(1) : l);
  }
  return lines;
}
