import net from "node:net";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/**
 * SMTP peers on loopback for the schedule tests: a recording server (smtp-server) that can refuse
 * recipients on demand, and a scripted one that takes the whole message and then drops the
 * connection without a reply: the one failure after which nobody knows whether mail was delivered.
 */

/** A recording SMTP server. */
export interface Recorder {
  readonly port: number;
  /** Raw messages received, in order. */
  readonly messages: Buffer[];
  /** While true, every recipient is refused with 550 (before DATA). */
  refuse: boolean;
  close(): Promise<void>;
}

/** Starts a recording server on 127.0.0.1 (plain text, no AUTH). */
export async function startRecorder(): Promise<Recorder> {
  const messages: Buffer[] = [];
  const state = { refuse: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      callback(
        state.refuse ? Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }) : undefined,
      );
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        messages.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    get refuse() {
      return state.refuse;
    },
    set refuse(v: boolean) {
      state.refuse = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A peer that accepts everything up to the end of the message data, then hangs up without a reply. */
export interface Dropper {
  readonly port: number;
  /** Connections made, and messages whose data was fully received before the drop. */
  readonly stats: { connections: number; messagesTaken: number };
  close(): Promise<void>;
}

/** Starts the dropping peer on 127.0.0.1. */
export async function startDropper(): Promise<Dropper> {
  const stats = { connections: 0, messagesTaken: 0 };
  const server = net.createServer((socket) => {
    stats.connections++;
    let data = false;
    let buffer = "";
    socket.write("220 dropper ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      if (data) {
        if (!buffer.includes("\r\n.\r\n")) return;
        stats.messagesTaken++;
        socket.destroy();
        return;
      }
      let nl: number;
      while (!data && (nl = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, nl).toUpperCase();
        buffer = buffer.slice(nl + 2);
        if (line.startsWith("EHLO") || line.startsWith("HELO")) socket.write("250 dropper\r\n");
        else if (line.startsWith("DATA")) {
          data = true;
          socket.write("354 go ahead\r\n");
        } else if (line.startsWith("QUIT")) socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
