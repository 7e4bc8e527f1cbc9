/**
 * Tests of the test stack itself, against the real Postfix and Dovecot: mail flows, relaying rules,
 * daemon stop/start, certificate swaps, postconf knobs and a clean stop().
 */
import { readdir, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailStack, type MailStack, type StackUser } from "./mail-stack.js";
import { stackImapClient } from "../helpers/stack-imap.js";
import { isAlive, requireBinaries, waitFor } from "./proc.js";

let stack: MailStack;

beforeAll(async () => {
  stack = await startMailStack();
});

afterAll(async () => {
  await stack?.stop();
});

interface SendOptions {
  port: number;
  to: string;
  subject: string;
  auth?: StackUser;
  secure?: boolean;
  /** Defaults to the file's stack; another stack has another CA. */
  via?: MailStack;
}

/** Sends one message; `port` decides the service (smtp without auth, submission with STARTTLS + AUTH). */
async function send(opts: SendOptions) {
  const s = opts.via ?? stack;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: opts.port,
    secure: opts.secure ?? false,
    requireTLS: !opts.secure,
    auth: opts.auth ? { user: opts.auth.user, pass: opts.auth.pass } : undefined,
    tls: { ca: [s.caPem], servername: s.hostname },
  });
  try {
    const from = opts.auth?.user ?? s.users.probe2.user;
    return await transport.sendMail({ from, to: opts.to, subject: opts.subject, text: "hello\r\n" });
  } finally {
    transport.close();
  }
}

/** Waits until a file in the user's Maildir/new contains `subject`; resolves with its contents. */
async function waitForDelivery(localPart: string, subject: string, s = stack): Promise<string> {
  const dir = `${s.maildir(localPart)}/new`;
  return waitFor(`"${subject}" in ${dir}`, async () => {
    for (const name of await readdir(dir)) {
      const text = await readFile(`${dir}/${name}`, "utf8");
      if (text.includes(subject)) return text;
    }
    return undefined;
  });
}

/** Resolves with the TLS error code a verifying client gets on an implicit-TLS port ("ok" if none). */
function tlsOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: stack.host, port, ca: [stack.caPem], servername: stack.hostname });
    socket.once("secureConnect", () => {
      socket.destroy();
      resolve("ok");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** The plain-text exchange that upgrades each protocol to TLS: commands sent and the reply awaited. */
const STARTTLS_DIALOGS = {
  smtp: {
    greeting: /^220 /m,
    steps: [
      ["EHLO probe\r\n", /^250 /m],
      ["STARTTLS\r\n", /^220 /m],
    ],
  },
  imap: { greeting: /^\* OK/m, steps: [["a STARTTLS\r\n", /^a OK/m]] },
  pop3: { greeting: /^\+OK/m, steps: [["STLS\r\n", /^\+OK/m]] },
} as const;

/** Like tlsOutcome, for a STARTTLS/STLS port: talks the protocol up to the upgrade, then verifies. */
async function starttlsOutcome(port: number, protocol: keyof typeof STARTTLS_DIALOGS): Promise<string> {
  const socket = net.connect({ host: stack.host, port });
  let buf = "";
  socket.on("data", (c: Buffer) => (buf += c.toString("latin1")));
  const expectReply = (re: RegExp) =>
    waitFor(`${re} from port ${port}`, () => re.test(buf), { timeoutMs: 5000 }).then(() => (buf = ""));
  const dialog = STARTTLS_DIALOGS[protocol];
  await expectReply(dialog.greeting);
  for (const [command, reply] of dialog.steps) {
    socket.write(command);
    await expectReply(reply);
  }
  socket.removeAllListeners("data");
  return new Promise((resolve) => {
    const secure = tls.connect({ socket, ca: [stack.caPem], servername: stack.hostname });
    secure.once("secureConnect", () => {
      secure.destroy();
      resolve("ok");
    });
    secure.once("error", (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(err.code ?? err.message);
    });
  });
}

/** Pids whose command line or environment mentions `text` (e.g. the stack directory's name). */
async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const files = ["cmdline", "environ"].map((f) =>
      readFile(`/proc/${entry}/${f}`, "latin1").catch(() => ""),
    );
    if ((await Promise.all(files)).some((t) => t.includes(text))) found.push(Number(entry));
  }
  return found.filter(isAlive);
}

/** Resolves with the error code of a plain TCP connection attempt ("connected" if it succeeds). */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: stack.host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Starts an smtp-server sink on ports.sink; resolves with the messages it receives and a close(). */
async function startSink(): Promise<{ received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push(Buffer.concat(chunks).toString("utf8"));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(stack.ports.sink, stack.host, resolve));
  return { received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("mail flow", () => {
  it("delivers submission (STARTTLS + AUTH) to alice's Maildir and serves it over IMAP", async () => {
    const info = await send({
      port: stack.ports.submission,
      to: stack.users.alice.user,
      subject: "flow-1",
      auth: stack.users.probe1,
    });
    expect(info.response).toMatch(/^250 /);
    expect(await waitForDelivery("alice", "flow-1")).toContain("Subject: flow-1");

    const client = stackImapClient(stack, stack.users.alice);
    await client.connect();
    try {
      await client.mailboxOpen("INBOX");
      const subjects: string[] = [];
      for await (const msg of client.fetch("1:*", { envelope: true }))
        subjects.push(msg.envelope?.subject ?? "");
      expect(subjects).toContain("flow-1");
    } finally {
      await client.logout();
    }
  });

  it("accepts mail on the implicit-TLS submissions port", async () => {
    const info = await send({
      port: stack.ports.submissions,
      secure: true,
      to: stack.users.probe2.user,
      subject: "flow-2",
      auth: stack.users.probe1,
    });
    expect(info.response).toMatch(/^250 /);
    await waitForDelivery("probe2", "flow-2");
  });

  it("refuses unauthenticated relaying on smtp, relays authenticated mail to the sink", async () => {
    const to = `someone@${stack.foreignDomain}`;
    const refused = send({ port: stack.ports.smtp, to, subject: "relay-denied" });
    await expect(refused).rejects.toMatchObject({ responseCode: 554, command: "RCPT TO" });

    const sink = await startSink();
    try {
      await send({ port: stack.ports.submission, to, subject: "relay-ok", auth: stack.users.probe1 });
      await waitFor("the sink to receive relay-ok", () => sink.received.some((m) => m.includes("relay-ok")));
    } finally {
      await sink.close();
    }
  });

  it("postconf knob: relaying for mynetworks lets unauthenticated mail relay; restoring closes it", async () => {
    const sink = await startSink();
    const before = await stack.postconfGet(["smtpd_relay_restrictions"]);
    try {
      await stack.postconf({ smtpd_relay_restrictions: "permit_mynetworks, reject_unauth_destination" });
      await send({ port: stack.ports.smtp, to: `x@${stack.foreignDomain}`, subject: "open-relay" });
      await waitFor("the sink to receive open-relay", () =>
        sink.received.some((m) => m.includes("open-relay")),
      );
    } finally {
      await stack.postconf(before);
      await sink.close();
    }
    const refused = send({ port: stack.ports.smtp, to: `y@${stack.foreignDomain}`, subject: "closed-again" });
    await expect(refused).rejects.toMatchObject({ responseCode: 554 });
  });

  it("postconf surfaces a setting smtpd refuses (a bare 'permit' relay rule) instead of a silent port", async () => {
    try {
      await expect(stack.postconf({ smtpd_relay_restrictions: "permit" })).rejects.toThrow(
        /does not greet after reload[\s\S]*reject_unauth_destination/,
      );
    } finally {
      await stack.resetPostconf();
    }
    await send({ port: stack.ports.smtp, to: stack.users.alice.user, subject: "after-reset" });
  });
});

describe("daemon control", () => {
  it("stopDovecot refuses IMAP connections, startDovecot brings it back", async () => {
    await stack.stopDovecot();
    expect(await connectOutcome(stack.ports.imap)).toBe("ECONNREFUSED");
    await expect(stackImapClient(stack, stack.users.alice).connect()).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    await stack.startDovecot();
    const client = stackImapClient(stack, stack.users.alice);
    await client.connect();
    await client.logout();
  });

  it("stopPostfix refuses SMTP connections, startPostfix brings it back", async () => {
    await stack.stopPostfix();
    expect(await connectOutcome(stack.ports.smtp)).toBe("ECONNREFUSED");
    expect(await connectOutcome(stack.ports.submission)).toBe("ECONNREFUSED");
    await stack.startPostfix();
    await send({ port: stack.ports.smtp, to: stack.users.alice.user, subject: "after-restart" });
    await waitForDelivery("alice", "after-restart");
  });
});

describe("fault knobs", () => {
  it("defer_transports=lmtp and a stopped Dovecot keep mail queued until released and flushed", async () => {
    await stack.postconf({ defer_transports: "lmtp" });
    await send({ port: stack.ports.smtp, to: stack.users.probe1.user, subject: "knob-deferred" });
    await stack.stopDovecot();
    await send({ port: stack.ports.smtp, to: stack.users.probe1.user, subject: "knob-dovecot-down" });
    expect(await stack.mailq()).toMatch(/probe1@probe\.test[\s\S]*probe1@probe\.test/);
    expect(await readdir(`${stack.maildir("probe1")}/new`)).toEqual([]);

    await stack.startDovecot();
    await stack.postconf({ defer_transports: "" });
    await stack.flushQueue();
    await waitForDelivery("probe1", "knob-deferred");
    await waitForDelivery("probe1", "knob-dovecot-down");
  });
});

describe("certificates", () => {
  const cases = [
    ["expired", "CERT_HAS_EXPIRED"],
    ["wrong-name", "ERR_TLS_CERT_ALTNAME_INVALID"],
    ["valid", "ok"],
  ] as const;
  for (const [kind, outcome] of cases) {
    it(`useCertificate("${kind}") makes every TLS port answer ${outcome}`, async () => {
      await stack.useCertificate(kind);
      expect(stack.certificate).toBe(kind);
      const p = stack.ports;
      const outcomes = {
        imaps: await tlsOutcome(p.imaps),
        pop3s: await tlsOutcome(p.pop3s),
        submissions: await tlsOutcome(p.submissions),
        smtp: await starttlsOutcome(p.smtp, "smtp"),
        submission: await starttlsOutcome(p.submission, "smtp"),
        imap: await starttlsOutcome(p.imap, "imap"),
        pop3: await starttlsOutcome(p.pop3, "pop3"),
      };
      expect(new Set(Object.values(outcomes)), JSON.stringify(outcomes)).toEqual(new Set([outcome]));
    });
  }
});

describe("harness", () => {
  it("runs two stacks side by side with distinct directories and ports", async () => {
    const other = await startMailStack();
    try {
      expect(other.dir).not.toBe(stack.dir);
      const mine = new Set(Object.values(stack.ports));
      expect(Object.values(other.ports).filter((p) => mine.has(p))).toEqual([]);
      await send({ via: other, port: other.ports.smtp, to: other.users.alice.user, subject: "second-stack" });
      await waitForDelivery("alice", "second-stack", other);
    } finally {
      await other.stop();
    }
  });

  it("names the missing binary and the install command", () => {
    expect(() => requireBinaries(["postfix", "no-such-binary-xyz"])).toThrow(
      /no-such-binary-xyz.*run: sudo bash scripts\/install-deps\.sh/,
    );
  });

  it("stop() leaves no Postfix or Dovecot process of the stack behind", async () => {
    const { postfix, dovecot } = await stack.processes();
    expect(postfix.length).toBeGreaterThan(1);
    expect(dovecot.length).toBeGreaterThan(1);
    const name = path.basename(stack.dir);
    expect((await processesMentioning(name)).length).toBeGreaterThanOrEqual(postfix.length + dovecot.length);
    await stack.stop();
    expect([...postfix, ...dovecot].filter(isAlive)).toEqual([]);
    expect(await processesMentioning(name)).toEqual([]);
    await expect(readdir(stack.dir)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await connectOutcome(stack.ports.smtp)).toBe("ECONNREFUSED");
  });
});
