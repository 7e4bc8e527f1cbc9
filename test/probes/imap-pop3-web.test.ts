/**
 * IMAP, POP3 and webmail checks against in-process peers on loopback: scripted servers for the
 * failures a real Dovecot cannot be made to show (garbage, silence, STARTTLS missing), and HTTP(S)
 * servers with a login form. Certificates come from the test stack's CA.
 */
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../config/secret.js";
import { Service } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { ProbeResult } from "../../contract/result.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck } from "../../probes/run-check.js";
import { CERT_KINDS, createTestCa, type CertKind, type TestCa } from "../stack/tls-ca.js";

const PASSWORD = "pr0be-secret";
const kinds = KINDS;

/**
 * Runs one check the way the agent does (through the schema and the runner, account "probe" with
 * `password`), and validates the result against the wire schema.
 */
async function check(raw: Record<string, unknown>, o: { timeoutMs?: number; password?: string } = {}) {
  const service = Service.parse({
    name: "t",
    ...(raw.kind === "webmail" ? {} : { account: "probe" }),
    ...raw,
  });
  const accounts = { probe: { username: "probe1@probe.test", password: new Secret(o.password ?? PASSWORD) } };
  const deps = { kinds, clock: systemClock, vantage: "test", accounts, ehloName: "t" };
  const result = await runCheck(service, o.timeoutMs ?? 5000, deps);
  expect(ProbeResult.parse(result)).toEqual(result);
  expect(JSON.stringify(result)).not.toContain(o.password ?? PASSWORD);
  return result;
}

function failure(r: ProbeResult): { code: string; stage: string } | undefined {
  return r.error && { code: r.error.code, stage: r.error.stage };
}

type Handler = (socket: net.Socket) => void;
const servers: net.Server[] = [];

/** Listens on a loopback port with a raw connection handler; closed after all tests. */
async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}
const peer = (handler: Handler): Promise<number> => listen(net.createServer(handler));

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Calls `onLine` for each CRLF line of a socket, following it across a TLS upgrade. */
function lines(socket: net.Socket, onLine: (line: string, socket: net.Socket) => void): void {
  let buf = "";
  const onData = (chunk: Buffer): void => {
    buf += chunk.toString("latin1");
    for (let i = buf.indexOf("\r\n"); i >= 0; i = buf.indexOf("\r\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      onLine(line, socket);
    }
  };
  socket.on("data", onData);
  socket.on("error", () => undefined);
}

function serverTls(socket: net.Socket, cert: CertKind): tls.TLSSocket {
  socket.removeAllListeners("data");
  const c = ca.certs[cert];
  const secure = new tls.TLSSocket(socket, { isServer: true, cert: c.certPem, key: keys[cert] });
  secure.on("error", () => undefined);
  return secure;
}

/**
 * A scripted IMAP server: INBOX holds 3 messages, `starttls` says whether it offers STARTTLS;
 * `login` and `examine` replace the answer to LOGIN or EXAMINE (e.g. "NO [UNAVAILABLE] later").
 */
function imapPeer(opts: { starttls: boolean; login?: string; examine?: string }): Handler {
  const session = (socket: net.Socket, secure: boolean): void =>
    lines(socket, (line, s) => {
      const [tag, cmd = "", args = ""] = line.split(/ (\S+)(?: (.*))?$/);
      const ok = (text = "done"): boolean => s.write(`${tag} OK ${text}\r\n`);
      switch (cmd.toUpperCase()) {
        case "CAPABILITY":
          s.write(`* CAPABILITY IMAP4rev1${opts.starttls && !secure ? " STARTTLS" : ""}\r\n`);
          return void ok();
        case "STARTTLS":
          ok("begin TLS");
          return session(serverTls(s, "valid"), true);
        case "LOGIN":
          if (opts.login) return void s.write(`${tag} ${opts.login}\r\n`);
          return void (args.includes(PASSWORD)
            ? ok()
            : s.write(`${tag} NO [AUTHENTICATIONFAILED] failed\r\n`));
        case "NAMESPACE":
          s.write(`* NAMESPACE (("" "/")) NIL NIL\r\n`);
          return void ok();
        case "LIST":
          if (/INBOX/i.test(args)) s.write(`* LIST (\\HasNoChildren) "/" INBOX\r\n`);
          return void ok();
        case "EXAMINE":
          if (opts.examine) return void s.write(`${tag} ${opts.examine}\r\n`);
          if (!/INBOX/i.test(args)) return void s.write(`${tag} NO [NONEXISTENT] Mailbox doesn't exist\r\n`);
          s.write("* FLAGS (\\Seen)\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 4] ok\r\n");
          return void ok("[READ-ONLY] done");
        case "LOGOUT":
          s.write("* BYE bye\r\n");
          ok();
          return void s.end();
        default:
          s.write(`${tag} BAD unknown\r\n`);
      }
    });
  return (socket) => {
    socket.write("* OK scripted IMAP ready\r\n");
    session(socket, false);
  };
}

/** A scripted POP3 server: two messages, optional STLS, and a STAT that can fail. */
function pop3Peer(opts: {
  stls: boolean;
  statFails?: boolean;
  locked?: boolean;
  /** Answer PASS with this -ERR line instead. */
  passErr?: string;
  /** Announce LOGIN-DELAY and EXPIRE in CAPA. */
  loginDelay?: number;
}): Handler {
  const session = (socket: net.Socket, secure: boolean): void =>
    lines(socket, (line, s) => {
      const [cmd = "", arg = ""] = line.split(/ (.*)$/);
      switch (cmd.toUpperCase()) {
        case "CAPA":
          return void s.write(
            `+OK\r\nUSER\r\n${opts.stls && !secure ? "STLS\r\n" : ""}` +
              `${opts.loginDelay ? `LOGIN-DELAY ${opts.loginDelay}\r\nEXPIRE NEVER\r\n` : ""}.\r\n`,
          );
        case "STLS":
          s.write("+OK begin TLS\r\n");
          return session(serverTls(s, "valid"), true);
        case "USER":
          return void s.write("+OK\r\n");
        case "PASS":
          if (opts.locked) return void s.write("-ERR [IN-USE] mailbox locked by another session\r\n");
          if (opts.passErr) return void s.write(`${opts.passErr}\r\n`);
          return void s.write(
            arg === PASSWORD ? "+OK logged in\r\n" : "-ERR [AUTH] Authentication failed.\r\n",
          );
        case "STAT":
          return void s.write(opts.statFails ? "-ERR [SYS/TEMP] mailbox locked\r\n" : "+OK 2 320\r\n");
        case "QUIT":
          s.write("+OK bye\r\n");
          return void s.end();
        default:
          s.write("-ERR unknown\r\n");
      }
    });
  return (socket) => {
    socket.write("+OK scripted POP3 ready\r\n");
    session(socket, false);
  };
}

const garbage: Handler = (s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n");
const silent: Handler = (s) => s.on("error", () => undefined);

let ca: TestCa;
const keys = {} as Record<CertKind, string>;
let caFile: string;

beforeAll(async () => {
  ca = await createTestCa(mkdtempSync(path.join(tmpdir(), "mailsla-kinds-")), {
    hostname: "mx.probe.test",
    wrongName: "elsewhere.example",
  });
  caFile = ca.caFile;
  for (const kind of CERT_KINDS) keys[kind] = await readFile(ca.certs[kind].keyFile, "utf8");
});

afterAll(async () => {
  for (const s of servers) s.close();
});

/** Wraps a handler in implicit TLS with the given certificate. */
function tlsPeer(cert: CertKind, handler: Handler): Promise<number> {
  const server = tls.createServer({ cert: ca.certs[cert].certPem, key: keys[cert] }, handler);
  server.on("tlsClientError", () => undefined);
  return listen(server);
}

const verified = () => ({ verify: true, caFile, servername: "mx.probe.test" });

describe("imap check", () => {
  const imap = (port: number, tlsOpts: Record<string, unknown>, more: Record<string, unknown> = {}) =>
    check({ kind: "imap", host: "127.0.0.1", port, tls: tlsOpts, ...more });

  it("logs in over implicit TLS, examines INBOX and reports the certificate and message count", async () => {
    const r = await imap(await tlsPeer("valid", imapPeer({ starttls: false })), {
      mode: "implicit",
      ...verified(),
    });
    expect(failure(r)).toBeUndefined();
    expect(r.details).toMatchObject({ mailbox: "INBOX", exists: 3 });
    expect(r.tls?.subject).toBe("mx.probe.test");
    expect(r.tls?.notAfter).toBeGreaterThan(Date.now());
    expect(Object.keys(r.phases)).toEqual(["connect", "tls", "greeting", "login", "select", "logout"]);
  });

  it("upgrades with STARTTLS before login", async () => {
    const r = await imap(await peer(imapPeer({ starttls: true })), { mode: "starttls", ...verified() });
    expect(failure(r)).toBeUndefined();
    expect(r.tls?.subject).toBe("mx.probe.test");
    expect(r.phases).toHaveProperty("starttls");
  });

  it("logs in without TLS when the service says tls.mode none", async () => {
    const r = await imap(await peer(imapPeer({ starttls: false })), { mode: "none" });
    expect(failure(r)).toBeUndefined();
    expect(r.tls).toBeUndefined();
    expect(r.details?.exists).toBe(3);
  });

  it("refuses to log in when STARTTLS is required but not offered", async () => {
    const r = await imap(await peer(imapPeer({ starttls: false })), { mode: "starttls", ...verified() });
    expect(failure(r)).toEqual({ code: "tls-unavailable", stage: "starttls" });
  });

  it("reports a refused password as auth at login", async () => {
    const port = await peer(imapPeer({ starttls: false }));
    const r = await check(
      { kind: "imap", host: "127.0.0.1", port, tls: { mode: "none" } },
      { password: "nope" },
    );
    expect(failure(r)).toEqual({ code: "auth", stage: "login" });
  });

  it.each([
    ["NO [UNAVAILABLE] to LOGIN", { login: "NO [UNAVAILABLE] backend down" }, "server-temporary", "login"],
    ["NO [AUTHENTICATIONFAILED] to LOGIN", { login: "NO [AUTHENTICATIONFAILED] no" }, "auth", "login"],
    ["NO [EXPIRED] to LOGIN", { login: "NO [EXPIRED] password expired" }, "auth", "login"],
    ["NO [SERVERBUG] to LOGIN", { login: "NO [SERVERBUG] oops" }, "server-permanent", "login"],
    ["NO [INUSE] to EXAMINE", { examine: "NO [INUSE] locked" }, "in-use", "select"],
    ["NO [LIMIT] to EXAMINE", { examine: "NO [LIMIT] too many sessions" }, "limit", "select"],
    ["NO [OVERQUOTA] to EXAMINE", { examine: "NO [OVERQUOTA] full" }, "limit", "select"],
    ["NO [NOPERM] to EXAMINE", { examine: "NO [NOPERM] no access" }, "mailbox", "select"],
    ["NO without a code to EXAMINE", { examine: "NO cannot" }, "mailbox", "select"],
  ])("reports %s as its own code (RFC 5530)", async (_name, opts, code, stage) => {
    const r = await imap(await peer(imapPeer({ starttls: false, ...opts })), { mode: "none" });
    expect(failure(r)).toEqual({ code, stage });
  });

  it("reports a missing mailbox as mailbox at select", async () => {
    const r = await imap(await peer(imapPeer({ starttls: false })), { mode: "none" }, { mailbox: "Nope" });
    expect(failure(r)).toEqual({ code: "mailbox", stage: "select" });
    expect(r.error?.message).toContain("Nope");
  });

  it.each([
    ["expired", { code: "cert-expired", stage: "tls" }],
    ["wrong-name", { code: "cert-hostname", stage: "tls" }],
  ] as const)("rejects an %s certificate", async (cert, expected) => {
    const r = await imap(await tlsPeer(cert, imapPeer({ starttls: false })), {
      mode: "implicit",
      ...verified(),
    });
    expect(failure(r)).toEqual(expected);
  });

  it("rejects a certificate from an unknown CA unless verification is off", async () => {
    const port = await tlsPeer("valid", imapPeer({ starttls: false }));
    const untrusted = await imap(port, { mode: "implicit", servername: "mx.probe.test" });
    expect(failure(untrusted)).toEqual({ code: "cert-untrusted", stage: "tls" });
    const unverified = await imap(port, { mode: "implicit", verify: false });
    expect(failure(unverified)).toBeUndefined();
  });

  it("fails with connect when nothing listens", async () => {
    const r = await imap(await closedPort(), { mode: "implicit", ...verified() });
    expect(failure(r)).toEqual({ code: "connect", stage: "connect" });
  });

  it("fails with protocol on a garbage greeting", async () => {
    const r = await imap(await peer(garbage), { mode: "none" });
    expect(failure(r)).toEqual({ code: "protocol", stage: "greeting" });
  });

  it("fails with timeout when the server never greets, within the timeout", async () => {
    const t0 = Date.now();
    const port = await peer(silent);
    const r = await check(
      { kind: "imap", host: "127.0.0.1", port, tls: { mode: "none" } },
      { timeoutMs: 300 },
    );
    expect(failure(r)).toEqual({ code: "timeout", stage: "greeting" });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("closes imapflow's connection when the timeout strikes after the greeting", async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => (closed = resolve));
    const port = await peer((s) => {
      s.on("close", closed)
        .on("error", () => undefined)
        .resume();
      s.write("* OK greets, then says nothing more\r\n");
    });
    const r = await check(
      { kind: "imap", host: "127.0.0.1", port, tls: { mode: "none" } },
      { timeoutMs: 300 },
    );
    expect(failure(r)).toEqual({ code: "timeout", stage: "login" });
    const within = new Promise((resolve) => setTimeout(resolve, 2000, "still open"));
    expect(await Promise.race([gone.then(() => "closed"), within])).toBe("closed");
  });

  it("fails with tls when the implicit TLS port speaks plain text", async () => {
    const r = await imap(await peer(garbage), { mode: "implicit", ...verified() });
    expect(failure(r)).toEqual({ code: "tls", stage: "tls" });
  });
});

describe("pop3 check", () => {
  const pop3 = (port: number, tlsOpts: Record<string, unknown>, timeoutMs?: number) =>
    check({ kind: "pop3", host: "127.0.0.1", port, tls: tlsOpts }, { timeoutMs });

  it("logs in over implicit TLS and reports the message count", async () => {
    const r = await pop3(await tlsPeer("valid", pop3Peer({ stls: false })), {
      mode: "implicit",
      ...verified(),
    });
    expect(failure(r)).toBeUndefined();
    expect(r.details).toMatchObject({ messages: 2, octets: 320 });
    expect(r.tls?.subject).toBe("mx.probe.test");
    expect(Object.keys(r.phases)).toEqual([
      "connect",
      "tls",
      "greeting",
      "capability",
      "login",
      "stat",
      "quit",
    ]);
  });

  it("upgrades with STLS before USER/PASS", async () => {
    const r = await pop3(await peer(pop3Peer({ stls: true })), { mode: "starttls", ...verified() });
    expect(failure(r)).toBeUndefined();
    expect(r.tls?.subject).toBe("mx.probe.test");
    expect(r.phases).toHaveProperty("starttls");
  });

  it("refuses to log in when STLS is required but not in CAPA", async () => {
    const r = await pop3(await peer(pop3Peer({ stls: false })), { mode: "starttls", ...verified() });
    expect(failure(r)).toEqual({ code: "tls-unavailable", stage: "capability" });
  });

  it.each([
    ["a -ERR [SYS/TEMP] to STAT", { statFails: true }, "server-temporary", "stat"],
    ["an [IN-USE] answer to PASS", { locked: true }, "in-use", "login"],
    ["a [LOGIN-DELAY] answer to PASS", { passErr: "-ERR [LOGIN-DELAY] wait" }, "login-delay", "login"],
    ["a [SYS/TEMP] answer to PASS", { passErr: "-ERR [SYS/TEMP] backend down" }, "server-temporary", "login"],
    ["a [SYS/PERM] answer to PASS", { passErr: "-ERR [SYS/PERM] disabled" }, "server-permanent", "login"],
    ["a [AUTH] answer to PASS", { passErr: "-ERR [AUTH] bad" }, "auth", "login"],
    ["a -ERR without a code to PASS", { passErr: "-ERR no" }, "auth", "login"],
  ])("reports %s as its own code (RFC 2449, 3206)", async (_name, opts, code, stage) => {
    const r = await pop3(await peer(pop3Peer({ stls: false, ...opts })), { mode: "none" });
    expect(failure(r)).toEqual({ code, stage });
  });

  it("reports CAPA's LOGIN-DELAY and EXPIRE, and waits out the delay it announced before the next login", async () => {
    const port = await peer(pop3Peer({ stls: false, loginDelay: 60 }));
    const first = await pop3(port, { mode: "none" });
    expect(failure(first)).toBeUndefined();
    expect(first.details).toMatchObject({ loginDelaySeconds: 60, expire: "never" });
    // the second check would log in within the announced minute: it does not try, and does not count
    const second = await pop3(port, { mode: "none" });
    expect(failure(second)).toEqual({ code: "login-delay", stage: "login" });
    expect(second.error?.message).toMatch(/one login of this account per 60 s/);
  });

  it("reports a -ERR to PASS as auth at login, without the password", async () => {
    const port = await peer(pop3Peer({ stls: false }));
    const r = await check(
      { kind: "pop3", host: "127.0.0.1", port, tls: { mode: "none" } },
      { password: "wrong-pw" },
    );
    expect(failure(r)).toEqual({ code: "auth", stage: "login" });
  });

  it.each([
    ["garbage", garbage],
    ["-ERR", ((s) => s.end("-ERR go away\r\n")) as Handler],
  ])("fails with protocol on a %s greeting", async (_name, handler) => {
    const r = await pop3(await peer(handler), { mode: "none" });
    expect(failure(r)).toEqual({ code: "protocol", stage: "greeting" });
  });

  it("fails with timeout when the server never greets", async () => {
    const r = await pop3(await peer(silent), { mode: "none" }, 300);
    expect(failure(r)).toEqual({ code: "timeout", stage: "greeting" });
  });

  it("fails with connect when nothing listens, and with cert-expired on an expired certificate", async () => {
    expect(failure(await pop3(await closedPort(), { mode: "none" }))).toEqual({
      code: "connect",
      stage: "connect",
    });
    const port = await tlsPeer("expired", pop3Peer({ stls: false }));
    expect(failure(await pop3(port, { mode: "implicit", ...verified() }))).toEqual({
      code: "cert-expired",
      stage: "tls",
    });
  });
});

/**
 * A webmail look-alike: `/` sets a session cookie and shows the form, `/login` wants the session
 * cookie, the CSRF field and the probe's credentials (302 to the inbox; 200 "Login failed" otherwise,
 * as many webmails answer), `/plain` shows the page without a cookie, `/down` is 503, `/hang` never answers.
 */
const webmail: http.RequestListener = (req, res) => {
  const url = req.url ?? "/";
  if (url === "/hang") return;
  if (url === "/down") return void res.writeHead(503).end("maintenance");
  if (req.method === "GET") {
    if (url === "/") res.setHeader("set-cookie", "session=s1; Path=/; HttpOnly");
    return void res.writeHead(200, { "content-type": "text/html" }).end("<title>Probe Webmail</title><form>");
  }
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    if (!/(^|; )session=s1(;|$)/.test(req.headers.cookie ?? ""))
      return void res.writeHead(403).end("no session");
    const form = new URLSearchParams(body);
    const good =
      form.get("_user") === "probe1@probe.test" &&
      form.get("_pass") === PASSWORD &&
      form.get("_csrf") === "t0k";
    if (good) res.writeHead(302, { location: "/inbox" }).end("Inbox");
    else res.writeHead(200).end("Login failed");
  });
};

describe("webmail check", () => {
  const login = (extra: Record<string, unknown> = {}) => ({
    account: "probe",
    usernameField: "_user",
    passwordField: "_pass",
    extraFields: { _csrf: "t0k" },
    contains: "Inbox",
    ...extra,
  });
  let base: string;
  const web = (
    url: string,
    more: Record<string, unknown> = {},
    o?: { timeoutMs?: number; password?: string },
  ) => check({ kind: "webmail", url, ...more }, o);

  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(http.createServer(webmail))}`;
  });

  it("loads the page, finds the text and logs in with the session cookie", async () => {
    const r = await web(`${base}/`, { contains: "Probe Webmail", login: login({ url: `${base}/login` }) });
    expect(failure(r)).toBeUndefined();
    expect(r.details).toMatchObject({ status: 200, loginStatus: 302 });
    expect(Object.keys(r.phases)).toEqual(["connect", "http", "content", "login"]);
  });

  it("fails with http-status at http on an unexpected status, naming it", async () => {
    const r = await web(`${base}/down`);
    expect(failure(r)).toEqual({ code: "http-status", stage: "http" });
    expect(r.error).toMatchObject({ responseCode: 503, message: expect.stringContaining("503") });
  });

  it("fails with content-mismatch at content when the text is missing", async () => {
    const r = await web(`${base}/`, { contains: "Roundcube" });
    expect(failure(r)).toEqual({ code: "content-mismatch", stage: "content" });
  });

  it("fails at login on a refused password (content) and on a missing session (status)", async () => {
    const wrong = await web(`${base}/`, { login: login({ url: `${base}/login` }) }, { password: "bad" });
    expect(failure(wrong)).toEqual({ code: "content-mismatch", stage: "login" });
    const noCookie = await web(`${base}/plain`, { login: login({ url: `${base}/login` }) });
    expect(failure(noCookie)).toEqual({ code: "http-status", stage: "login" });
    expect(noCookie.error?.responseCode).toBe(403);
  });

  it("fails with connect, timeout and protocol on a closed port, a silent server and an IMAP server", async () => {
    expect(failure(await web(`http://127.0.0.1:${await closedPort()}/`))).toEqual({
      code: "connect",
      stage: "connect",
    });
    expect(failure(await web(`${base}/hang`, {}, { timeoutMs: 300 }))).toEqual({
      code: "timeout",
      stage: "http",
    });
    const imapPort = await peer((s) => s.end("* OK IMAP4rev1 ready\r\n"));
    expect(failure(await web(`http://127.0.0.1:${imapPort}/`))).toEqual({ code: "protocol", stage: "http" });
  });

  it("verifies HTTPS against the configured CA and reports the certificate", async () => {
    const port = await listen(https.createServer({ cert: ca.certs.valid.certPem, key: keys.valid }, webmail));
    const r = await web(`https://127.0.0.1:${port}/`, { tls: { caFile }, contains: "Probe Webmail" });
    expect(failure(r)).toBeUndefined();
    expect(r.tls).toMatchObject({ subject: "mx.probe.test", issuer: "mailsla test CA" });
    expect(Object.keys(r.phases)).toEqual(["connect", "tls", "http", "content"]);
    const untrusted = await web(`https://127.0.0.1:${port}/`);
    expect(failure(untrusted)).toEqual({ code: "cert-untrusted", stage: "tls" });
    expect(failure(await web(`https://127.0.0.1:${port}/`, { tls: { verify: false } }))).toBeUndefined();
  });

  it.each([
    ["expired", "127.0.0.1", { code: "cert-expired", stage: "tls" }],
    ["wrong-name", "localhost", { code: "cert-hostname", stage: "tls" }],
  ] as const)("rejects an %s certificate", async (cert, host, expected) => {
    const port = await listen(https.createServer({ cert: ca.certs[cert].certPem, key: keys[cert] }, webmail));
    expect(failure(await web(`https://${host}:${port}/`, { tls: { caFile } }))).toEqual(expected);
  });
});
