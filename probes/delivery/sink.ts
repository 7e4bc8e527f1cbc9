import { readFileSync } from "node:fs";
import type { AddressInfo, Socket } from "node:net";
import type { Readable } from "node:stream";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import type { Clock } from "../../contract/clock.js";
import { instant, type Instant } from "./inflight.js";
import { tokenFromAddress } from "./message.js";
import { receivedHops, type Hop } from "./received.js";

/**
 * The sink: the agent's own SMTP server, the MX of the probe domain. The sending delay (7.1.8) ends
 * when the operator's MTA starts passing the message on, i.e. connects here. smtp-server delays its
 * callbacks by ~100 ms (its early-talker pause), so the time is taken from the listening socket's
 * 'connection' event and matched to the token the RCPT TO names; a further message on a reused
 * connection uses its MAIL FROM time. Everything for the probe domain is accepted and discarded.
 */

/** Most header bytes read from a message for its `Received:` hops; the rest is discarded unread. */
const MAX_HEADER_BYTES = 64 * 1024;
/** The sink's size limit: larger messages are refused (552), so nothing larger is kept for onMessage. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Error bound of a sink arrival: both ends are this process's event-loop readings of socket events. */
export const SINK_BOUND_SECONDS = 0.01;

/** One probe message the operator's MTA started to deliver to the sink. */
export interface SinkArrival {
  token: string;
  at: Instant;
  detection: "sink-connect" | "sink-mail";
  hops: Hop[];
}

/** Options of {@link startSink}. */
export interface SinkOptions {
  /** host:port to listen on; port 0 picks a free one. */
  listen: string;
  /** The probe domain (after `{vantage}` substitution): other domains are refused at RCPT. */
  domain: string;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  clock: Clock;
  /**
   * Called once per probe recipient, after the message's DATA (or the connection's end). If it throws
   * (the state file could not be written), DATA is answered 451 so the MTA delivers again later.
   */
  onArrival(arrival: SinkArrival): void;
  /**
   * Called after the reply to DATA, for a message with probe tokens, with the whole message and the
   * connection's facts: the sender-authentication check (probes/hygiene/) judges the operator's
   * outbound mail there. Only when set is the body kept rather than discarded.
   */
  onMessage?(message: SinkReceived): void;
}

/** A probe message as received, for {@link SinkOptions.onMessage}. */
export interface SinkReceived {
  tokens: string[];
  ip: string;
  helo: string;
  mailFrom: string;
  raw: Buffer;
}

/** A running sink. */
export interface RunningSink {
  address: { host: string; port: number };
  close(): Promise<void>;
}

interface SessionState {
  mails: number;
  mailAt?: Instant;
  pending: { token: string; at: Instant; detection: SinkArrival["detection"] }[];
}

const peerKey = (address: string | undefined, port: number | undefined) =>
  `${(address ?? "").replace(/^::ffff:/, "")}|${port ?? 0}`;

/** Starts the sink and resolves once it listens. */
export async function startSink(o: SinkOptions): Promise<RunningSink> {
  const accepted = new Map<string, Instant>();
  const sessions = new Map<string, SessionState>();
  const stateOf = (s: SMTPServerSession): SessionState => {
    let st = sessions.get(s.id);
    if (!st) sessions.set(s.id, (st = { mails: 0, pending: [] }));
    return st;
  };
  /** Reports the pending recipients; false if one could not be recorded (the MTA should retry). */
  const flush = (st: SessionState, hops: Hop[]): boolean => {
    let ok = true;
    for (const p of st.pending.splice(0)) {
      try {
        o.onArrival({ ...p, hops });
      } catch {
        ok = false;
      }
    }
    return ok;
  };
  const tls = o.certFile && o.keyFile;
  const server = new SMTPServer({
    banner: "mailsla delivery-probe sink",
    size: MAX_MESSAGE_BYTES,
    disabledCommands: ["AUTH"],
    authOptional: true,
    hideSTARTTLS: !tls,
    ...(tls ? { key: readFileSync(o.keyFile!), cert: readFileSync(o.certFile!) } : {}),
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 1000,
    onMailFrom(_address, session, done) {
      const st = stateOf(session);
      st.mails += 1;
      st.mailAt = instant(o.clock);
      done();
    },
    onRcptTo(address, session, done) {
      const at = address.address.lastIndexOf("@");
      if (address.address.slice(at + 1).toLowerCase() !== o.domain) {
        return done(Object.assign(new Error("5.7.1 relay access denied"), { responseCode: 550 }));
      }
      const st = stateOf(session);
      const token = tokenFromAddress(address.address, o.domain);
      const first =
        st.mails === 1 ? accepted.get(peerKey(session.remoteAddress, session.remotePort)) : undefined;
      if (token) {
        const when = first ?? st.mailAt ?? instant(o.clock);
        st.pending.push({ token, at: when, detection: first ? "sink-connect" : "sink-mail" });
      }
      done();
    },
    onData(stream, session, done) {
      const st = stateOf(session);
      const tokens = st.pending.map((p) => p.token);
      const keep: Buffer[] | undefined = o.onMessage && tokens.length > 0 ? [] : undefined;
      // read now: smtp-server resets the envelope once DATA is answered
      const ip = (session.remoteAddress ?? "").replace(/^::ffff:/, "");
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
      const facts = { tokens, ip, helo: session.hostNameAppearsAs ?? "", mailFrom };
      readHeaders(stream, keep).then((header) => {
        const recorded = flush(st, receivedHops(header).slice(0, 30));
        const tooBig = (stream as { sizeExceeded?: boolean }).sizeExceeded;
        if (tooBig) return done(Object.assign(new Error("5.3.4 message too big"), { responseCode: 552 }));
        done(recorded ? null : Object.assign(new Error("4.3.0 try again later"), { responseCode: 451 }));
        if (keep && recorded && !tooBig)
          setImmediate(() => o.onMessage?.({ ...facts, raw: Buffer.concat(keep) }));
      }, done);
    },
    onClose(session) {
      const st = sessions.get(session.id);
      if (st) flush(st, []);
      sessions.delete(session.id);
    },
  });
  server.on("error", () => undefined);
  server.server.prependListener("connection", (socket: Socket) => {
    const key = peerKey(socket.remoteAddress, socket.remotePort);
    accepted.set(key, instant(o.clock));
    socket.once("close", () => accepted.delete(key));
  });
  const i = o.listen.lastIndexOf(":");
  const [host, port] = [o.listen.slice(0, i), Number(o.listen.slice(i + 1))];
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    address: { host, port: address.port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Reads the header block (bounded) and drains the rest of the message, into `keep` when given. */
function readHeaders(stream: Readable, keep?: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let header = "";
    let done = false;
    let kept = 0;
    stream.on("data", (chunk: Buffer) => {
      if (keep && kept <= MAX_MESSAGE_BYTES) {
        keep.push(chunk);
        kept += chunk.length;
      }
      if (done) return;
      header += chunk.toString("latin1");
      const end = header.search(/\r?\n\r?\n/);
      if (end >= 0 || header.length > MAX_HEADER_BYTES) {
        header = end >= 0 ? header.slice(0, end) : header.slice(0, MAX_HEADER_BYTES);
        done = true;
      }
    });
    stream.once("end", () => resolve(header));
    stream.once("error", reject);
  });
}
