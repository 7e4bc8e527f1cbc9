/**
 * The demo target's two SMTP services, both smtp-server instances behind a {@link ServiceGate}:
 * an MX (port 25 role: no AUTH, mail only for the demo domain, so an open-relay probe passes) and a
 * submission service (port 587 role: STARTTLS, AUTH required). Mail for demo users lands in the
 * {@link MailStore}, where IMAP and POP3 read it.
 */
import type net from "node:net";
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from "smtp-server";
import type { Accept, ServiceGate } from "./gate.js";
import type { Authenticate, MailStore } from "./mailstore.js";

/** What both SMTP services need from the target. */
export interface SmtpDeps {
  store: MailStore;
  gate: ServiceGate;
  /** The one mail domain the demo hosts (demo.test). */
  domain: string;
  /** The name in the certificate, used in the greeting and in Received: headers. */
  hostname: string;
  key: Buffer;
  cert: Buffer;
}

/** A demo SMTP service: `accept` goes to its gate, `close` ends every session. */
export interface DemoSmtpServer {
  accept: Accept;
  close(): Promise<void>;
}

/** Larger messages are refused (552), so the in-memory store cannot be flooded. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** An error whose reply code smtp-server sends instead of its default. */
function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** The MX: accepts mail for users of the demo domain only, and never offers AUTH. */
export function createMxServer(deps: SmtpDeps): DemoSmtpServer {
  return wrap(
    new SMTPServer({
      ...commonOptions(deps),
      authOptional: true,
      disabledCommands: ["AUTH"],
      onConnect: greet(deps.gate, true),
      onRcptTo: (address, _session, callback) => callback(checkLocalRecipient(deps, address, false)),
      onData: receive(deps),
    }),
  );
}

/**
 * Submission: AUTH PLAIN/LOGIN after STARTTLS is required before MAIL; any recipient once logged in.
 * Its `refuse` fault answers 454 to AUTH and 451 to MAIL.
 */
export function createSubmissionServer(deps: SmtpDeps, authenticate: Authenticate): DemoSmtpServer {
  return wrap(
    new SMTPServer({
      ...commonOptions(deps),
      authOptional: false,
      authMethods: ["PLAIN", "LOGIN"],
      allowInsecureAuth: false,
      onConnect: greet(deps.gate, false),
      onAuth: (auth, _session, callback) => {
        if (deps.gate.fault === "refuse") {
          return callback(smtpError(454, "4.7.0 Temporary authentication failure (demo fault)"));
        }
        const address = authenticate(auth.username ?? "", auth.password ?? "");
        if (!address) return callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
        callback(null, { user: address });
      },
      // A session that logged in before the fault (delivery probes keep theirs between messages)
      // meets it at MAIL: the fault is the submission service refusing mail, not only new logins.
      onMailFrom: (_address, _session, callback) =>
        callback(
          deps.gate.fault === "refuse"
            ? smtpError(451, "4.3.0 Temporary failure: submission refuses mail (demo fault)")
            : undefined,
        ),
      onRcptTo: (address, _session, callback) => callback(checkLocalRecipient(deps, address, true)),
      onData: receive(deps),
    }),
  );
}

function commonOptions(deps: SmtpDeps): SMTPServerOptions {
  return {
    name: deps.hostname,
    banner: "mailsla demo (not a real mail server)",
    key: deps.key,
    cert: deps.cert,
    size: MAX_MESSAGE_BYTES,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1000,
  };
}

function wrap(server: SMTPServer): DemoSmtpServer {
  return {
    accept: (raw: net.Socket) => {
      server.server.emit("connection", raw);
      return raw;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The greeting step: `slow` delays the 220, `refuse` answers 421 and closes (MX only; submission
 * refuses at AUTH, where a real submission outage shows first).
 */
function greet(gate: ServiceGate, refuseHere: boolean) {
  return (_session: SMTPServerSession, callback: (err?: Error | null) => void): void => {
    void gate.pause().then((go) => {
      if (!go) return;
      if (refuseHere && gate.fault === "refuse") {
        return callback(smtpError(421, "4.3.2 Service not available, closing channel (demo fault)"));
      }
      callback();
    });
  };
}

/** RCPT policy: demo users only, foreign domains only when relaying is allowed (after AUTH). */
function checkLocalRecipient(deps: SmtpDeps, rcpt: SMTPServerAddress, relayAllowed: boolean): Error | null {
  const domain = rcpt.address.split("@").pop()?.toLowerCase() ?? "";
  if (domain !== deps.domain) {
    return relayAllowed ? null : smtpError(554, `5.7.1 <${rcpt.address}>: Relay access denied`);
  }
  if (!deps.store.has(rcpt.address)) {
    return smtpError(550, `5.1.1 <${rcpt.address}>: Recipient address rejected: User unknown`);
  }
  return null;
}

/** DATA: reads the message, stamps a Received: header, and delivers it to every recipient. */
function receive(deps: SmtpDeps) {
  return (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (err) => callback(err));
    stream.on("end", () => {
      if (stream.sizeExceeded) return callback(smtpError(552, "5.3.4 Message too big"));
      const raw = Buffer.concat([Buffer.from(receivedHeader(deps.hostname, session)), ...chunks]);
      const local = session.envelope.rcptTo.filter((r) => deps.store.has(r.address));
      const foreign = session.envelope.rcptTo.filter((r) => !deps.store.has(r.address));
      for (const r of local) deps.store.accept(r.address, raw);
      if (foreign.length > 0) {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        deps.store.queueOutbound({ from, to: foreign.map((r) => r.address), raw });
      }
      callback(null, `2.0.0 Ok: queued as ${session.id}`);
    });
  };
}

/** The trace header a real MTA adds, so per-hop timing code has something to read in the demo. */
function receivedHeader(hostname: string, session: SMTPServerSession): string {
  const protocol = `ESMTP${session.secure ? "S" : ""}${session.user ? "A" : ""}`;
  const date = new Date().toUTCString().replace(/GMT$/, "+0000");
  return (
    `Received: from ${session.hostNameAppearsAs || "unknown"} ([${session.remoteAddress}])\r\n` +
    `\tby ${hostname} (mailsla demo) with ${protocol} id ${session.id};\r\n\t${date}\r\n`
  );
}
