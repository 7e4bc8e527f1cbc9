import net from "node:net";
import tls from "node:tls";
import { codedError } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import { certificateInfo, nodeTlsOptions, type TlsClientOptions } from "./tls.js";

/** Longest line accepted from a server before the reply counts as garbage (RFC 5321 allows 512). */
const MAX_LINE = 16 * 1024;

/**
 * A line-oriented client connection (SMTP, POP3) with STARTTLS upgrade, bounded reads and abort on
 * the check's signal. Probes need every step in their own hands (stop before DATA, time each
 * phase, survive a peer that answers garbage or nothing), which full mail client libraries hide.
 */
export class LineConnection {
  private socket: net.Socket;
  private buffer = "";
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private tlsInfo: CheckOutcome["tls"];

  private constructor(
    socket: net.Socket,
    private signal: AbortSignal,
  ) {
    this.socket = socket;
    this.attach(socket);
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Opens a TCP connection, with TLS from the first byte when `implicitTls` is given. */
  static async open(opts: {
    host: string;
    port: number;
    implicitTls?: TlsClientOptions | undefined;
    signal: AbortSignal;
  }): Promise<LineConnection> {
    opts.signal.throwIfAborted();
    const socket = opts.implicitTls
      ? tls.connect({ host: opts.host, port: opts.port, ...nodeTlsOptions(opts.implicitTls) })
      : net.connect({ host: opts.host, port: opts.port });
    await waitFor(socket, opts.implicitTls ? "secureConnect" : "connect", opts.signal);
    const conn = new LineConnection(socket, opts.signal);
    if (socket instanceof tls.TLSSocket) conn.tlsInfo = certificateInfo(socket);
    return conn;
  }

  /** The next line from the server, without its CRLF. */
  readLine(): Promise<string> {
    const line = this.takeLine();
    if (line !== undefined) return Promise.resolve(line);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Sends one command line (CRLF appended). */
  writeLine(line: string): Promise<void> {
    return this.write(`${line}\r\n`);
  }

  /** Sends raw text (e.g. a DATA body that already ends in CRLF.CRLF). */
  write(text: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.socket.write(text, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Upgrades to TLS after the server agreed to STARTTLS/STLS. Anything the server sent after its
   * agreement would be a command-injection hazard, so it is a protocol error.
   */
  async upgrade(options: TlsClientOptions): Promise<void> {
    if (this.buffer !== "") throw codedError("protocol", "server sent data after agreeing to start TLS");
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("end");
    plain.removeAllListeners("close");
    plain.removeAllListeners("error");
    const secure = tls.connect({ socket: plain, ...nodeTlsOptions(options) });
    this.socket = secure;
    await waitFor(secure, "secureConnect", this.signal);
    this.attach(secure);
    this.tlsInfo = certificateInfo(secure);
  }

  /** The server certificate seen on this connection, once TLS is up. */
  get certificate(): CheckOutcome["tls"] {
    return this.tlsInfo;
  }

  /** Whether the connection is encrypted now. */
  get secure(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  /**
   * Puts the connection under another abort signal: a session kept open between probes (the
   * delivery probes' SMTP pool) is bounded by each user's timeout in turn, and by none while idle.
   */
  rebind(signal: AbortSignal): void {
    this.signal.removeEventListener("abort", this.onAbort);
    this.signal = signal;
    if (signal.aborted) this.onAbort();
    else signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /**
   * Whether the connection can carry a new command now: open, nothing failed, and nothing unread
   * (a server that said something unasked, e.g. "421 timeout" before closing, is not reused).
   */
  get idleUsable(): boolean {
    return !this.failure && this.buffer === "" && !this.socket.destroyed && this.socket.writable;
  }

  /** Closes the connection at once; safe to call twice. */
  close(): void {
    this.signal.removeEventListener("abort", this.onAbort);
    this.socket.destroy();
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      if (this.buffer.length > MAX_LINE && !this.buffer.includes("\n")) {
        this.fail(codedError("protocol", `server sent more than ${MAX_LINE} bytes without a line end`));
        return;
      }
      this.deliver();
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("end", () => this.fail(codedError("closed", "the server closed the connection")));
    socket.on("close", () => this.fail(codedError("closed", "the connection was closed")));
  }

  private takeLine(): string | undefined {
    const i = this.buffer.indexOf("\n");
    if (i < 0) return undefined;
    const line = this.buffer.slice(0, i).replace(/\r$/, "");
    this.buffer = this.buffer.slice(i + 1);
    return line;
  }

  private deliver(): void {
    if (!this.waiting) return;
    const line = this.takeLine();
    if (line === undefined) return;
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(line);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    if (this.waiting && this.takeLine() === undefined) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(this.failure);
    } else {
      this.deliver();
    }
  }

  private onAbort = (): void => {
    this.fail(codedError("timeout", "no answer within the check's timeout"));
    this.socket.destroy();
  };
}

function waitFor(socket: net.Socket, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off(event, onReady);
      socket.off("error", onError);
      socket.off("close", onClose);
      signal.removeEventListener("abort", onAbort);
    };
    const onReady = () => (cleanup(), resolve());
    const onError = (err: Error) => (cleanup(), socket.destroy(), reject(err));
    const onClose = () => (
      cleanup(),
      reject(codedError("closed", "the connection was closed during set-up"))
    );
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(codedError("timeout", "no answer within the check's timeout"));
    };
    socket.once(event, onReady);
    socket.once("error", onError);
    socket.once("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
