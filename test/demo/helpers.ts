/**
 * Clients for the demo target tests: real protocol clients (nodemailer, imapflow, node:https) set up
 * to verify the demo certificate, and a raw line client for the exchanges those hide (greetings,
 * EHLO lists, POP3, IMAP syntax).
 */
import { readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { ImapFlow, type ImapFlowOptions } from "imapflow";
import nodemailer from "nodemailer";
import type { DemoTarget } from "../../demo/target.js";

/** The demo CA in PEM, what every client below trusts. */
export function demoCa(target: DemoTarget): string {
  return readFileSync(target.caFile, "utf8");
}

/** A line-oriented conversation over a socket: `line()` waits for the next CRLF-terminated line. */
export interface Talk {
  socket: net.Socket;
  line(timeoutMs?: number): Promise<string>;
  /** Reads lines until one matches `last` (an SMTP final reply, an IMAP tagged reply, a POP3 "."). */
  until(last: RegExp, timeoutMs?: number): Promise<string[]>;
  send(text: string): void;
}

/** Wraps a connected socket in a {@link Talk}. */
export function talk(socket: net.Socket): Talk {
  let buf = "";
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = (): void => waiters.splice(0).forEach((w) => w());
  socket.on("data", (chunk: Buffer) => {
    buf += chunk.toString("latin1");
    wake();
  });
  socket.on("close", () => {
    ended = true;
    wake();
  });
  socket.on("error", () => undefined);
  const line = async (timeoutMs = 5000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const eol = buf.indexOf("\r\n");
      if (eol >= 0) {
        const text = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        return text;
      }
      if (ended) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a line");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const until = async (last: RegExp, timeoutMs = 5000): Promise<string[]> => {
    const lines: string[] = [];
    for (;;) {
      const l = await line(timeoutMs);
      lines.push(l);
      if (last.test(l)) return lines;
    }
  };
  return { socket, line, until, send: (text) => socket.write(`${text}\r\n`) };
}

/** A plain TCP connection to a demo port. */
export function connectTcp(target: DemoTarget, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** An implicit-TLS connection verified against the demo CA and name. */
export function connectTls(
  target: DemoTarget,
  port: number,
  servername = target.servername,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: target.host, port, ca: demoCa(target), servername }, () =>
      resolve(socket),
    );
    socket.once("error", reject);
  });
}

/**
 * What a raw TCP client sees in its first `ms` milliseconds: whether the server closed the
 * connection and any bytes it sent. A `down` service closes at once without a word.
 */
export async function firstMoments(
  target: DemoTarget,
  port: number,
  ms = 400,
): Promise<{ closed: boolean; data: string }> {
  const socket = await connectTcp(target, port);
  let data = "";
  socket.on("data", (chunk: Buffer) => (data += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  socket.destroy();
  return { closed, data };
}

/** A nodemailer transport to a demo SMTP port: STARTTLS required and verified, AUTH when given. */
export function mailer(target: DemoTarget, port: number, auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({
    host: target.host,
    port,
    secure: false,
    requireTLS: true,
    tls: { ca: demoCa(target), servername: target.servername },
    ...(auth ? { auth } : {}),
    connectionTimeout: 5000,
    greetingTimeout: 5000,
  });
}

/** An imapflow client for the demo IMAP port, as the probe account unless told otherwise. */
export function imapClient(
  target: DemoTarget,
  opts: { pass?: string; loginMethod?: string; logger?: ImapFlowOptions["logger"] } = {},
): ImapFlow {
  const { user, pass } = target.users.probe1;
  return new ImapFlow({
    host: target.host,
    port: target.ports.imap,
    secure: true,
    tls: { ca: demoCa(target), servername: target.servername },
    auth: { user, pass: opts.pass ?? pass, ...(opts.loginMethod ? { loginMethod: opts.loginMethod } : {}) },
    logger: opts.logger ?? false,
    disableAutoIdle: true,
    greetingTimeout: 5000,
  });
}

/** An HTTPS request to the demo webmail, verified against the demo CA. */
export function webRequest(
  target: DemoTarget,
  path: string,
  opts: { method?: string; form?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: target.host,
        port: target.ports.webmail,
        path,
        method: opts.method ?? (body ? "POST" : "GET"),
        ca: demoCa(target),
        agent: false,
        headers: body ? { "content-type": "application/x-www-form-urlencoded" } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A fresh message for one test: a unique token in the subject and in an X-Probe-Token header. */
export function probeMessage(to: string, token: string) {
  return {
    from: "sender@outside.example",
    to,
    subject: `demo probe ${token}`,
    text: `probe body ${token}\n.leading dot line\n`,
    headers: { "X-Probe-Token": token },
  };
}

/** Rejects when `promise` takes longer than `ms`, so a missing event fails fast with a clear message. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
