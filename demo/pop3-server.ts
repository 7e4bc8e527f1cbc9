/**
 * The demo target's POP3 service (RFC 1939 with CAPA from RFC 2449, implicit TLS as on port 995):
 * USER/PASS, STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT. It serves the same in-memory INBOX as
 * IMAP, so a message delivered by the demo MX can be read either way.
 */
import type tls from "node:tls";
import { acceptTls, type Accept, type ServiceGate } from "./gate.js";
import type { Authenticate, MailStore, StoredMessage } from "./mailstore.js";

/** What the POP3 service needs from the target. */
export interface Pop3Deps {
  store: MailStore;
  gate: ServiceGate;
  authenticate: Authenticate;
  secureContext: tls.SecureContext;
  /** The name in the certificate, shown in the greeting. */
  hostname: string;
}

/** Builds the gate's accept function: TLS first, then one POP3 session per connection. */
export function createPop3Accept(deps: Pop3Deps): Accept {
  return (raw) => acceptTls(raw, deps.secureContext, (socket) => void new Pop3Session(socket, deps).start());
}

/** RFC 2449 allows 255 octets per command; anything much longer is not a POP3 client. */
const MAX_LINE = 1024;
/** RFC 1939 asks for at least 10 minutes before an idle client is dropped. */
const IDLE_MS = 10 * 60_000;
const CAPA = [
  "USER",
  "UIDL",
  "TOP",
  "RESP-CODES",
  "AUTH-RESP-CODE",
  "PIPELINING",
  "IMPLEMENTATION mailsla-demo",
];

class Pop3Session {
  #buf = "";
  #user: string | undefined;
  #mailbox: string | undefined;
  /** The maildrop as it was at login: POP3 message numbers index this list from 1. */
  #drop: StoredMessage[] = [];
  readonly #deleted = new Set<number>();

  constructor(
    private readonly socket: tls.TLSSocket,
    private readonly deps: Pop3Deps,
  ) {}

  /** Greets (after the `slow` delay, if that fault is on) and starts reading commands. */
  async start(): Promise<void> {
    if (!(await this.deps.gate.pause()) || this.socket.destroyed) return;
    this.#send(`+OK ${this.deps.hostname} mailsla demo POP3 ready`);
    this.socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.socket.setTimeout(IDLE_MS, () => this.socket.destroy());
  }

  #onData(chunk: Buffer): void {
    this.#buf += chunk.toString("latin1");
    for (let eol = this.#buf.indexOf("\n"); eol >= 0; eol = this.#buf.indexOf("\n")) {
      const line = this.#buf.slice(0, eol).replace(/\r$/, "");
      this.#buf = this.#buf.slice(eol + 1);
      if (!this.socket.writable) return;
      this.#command(line);
    }
    if (this.#buf.length > MAX_LINE) {
      this.#send("-ERR Line too long");
      this.socket.end();
    }
  }

  #command(line: string): void {
    const [word = "", ...args] = line.split(" ");
    const name = word.toUpperCase();
    if (name === "CAPA") return this.#multi("Capability list follows", CAPA.join("\r\n"));
    if (name === "QUIT") return this.#quit();
    if (name === "NOOP") return this.#send("+OK");
    if (this.#mailbox === undefined) return this.#authorization(name, args.join(" "));
    const n = args[0] === undefined ? undefined : Number(args[0]);
    switch (name) {
      case "STAT":
        return this.#send(
          `+OK ${this.#live().length} ${this.#live().reduce((s, [, m]) => s + m.raw.length, 0)}`,
        );
      case "LIST":
        return this.#listing(n, (m) => String(m.raw.length));
      case "UIDL":
        return this.#listing(n, (m) => `${this.deps.store.uidValidity}.${m.uid}`);
      case "RETR":
        return this.#retrieve(n);
      case "TOP":
        return this.#retrieve(n, Number(args[1]));
      case "DELE":
        return this.#dele(n);
      case "RSET":
        this.#deleted.clear();
        return this.#send(`+OK ${this.#drop.length} messages`);
      default:
        return this.#send(`-ERR Unknown command ${name}`);
    }
  }

  /** USER then PASS; `refuse` fails every PASS with a temporary error, as an overloaded server does. */
  #authorization(name: string, arg: string): void {
    if (name === "USER" && arg !== "") {
      this.#user = arg;
      return this.#send("+OK");
    }
    if (name !== "PASS" || this.#user === undefined) return this.#send("-ERR USER and PASS first");
    const user = Buffer.from(this.#user, "latin1").toString("utf8");
    this.#user = undefined;
    if (this.deps.gate.fault === "refuse")
      return this.#send("-ERR [SYS/TEMP] Service unavailable (demo fault)");
    const address = this.deps.authenticate(user, Buffer.from(arg, "latin1").toString("utf8"));
    if (!address) return this.#send("-ERR [AUTH] Authentication failed");
    this.#mailbox = address;
    this.#drop = [...this.deps.store.messages(address)];
    this.#send(`+OK Logged in, ${this.#drop.length} messages`);
  }

  /** The messages not marked for deletion, with their message numbers. */
  #live(): [number, StoredMessage][] {
    return this.#drop
      .map((m, i) => [i + 1, m] as [number, StoredMessage])
      .filter(([n]) => !this.#deleted.has(n));
  }

  #message(n: number | undefined): StoredMessage | undefined {
    if (n === undefined || !Number.isInteger(n) || this.#deleted.has(n)) return undefined;
    return this.#drop[n - 1];
  }

  #listing(n: number | undefined, value: (m: StoredMessage) => string): void {
    if (n === undefined)
      return this.#multi(
        "Listing follows",
        this.#live()
          .map(([i, m]) => `${i} ${value(m)}`)
          .join("\r\n"),
      );
    const m = this.#message(n);
    this.#send(m ? `+OK ${n} ${value(m)}` : "-ERR No such message");
  }

  /** RETR, or TOP with `lines`: the header, the blank line, and that many lines of the body. */
  #retrieve(n: number | undefined, lines?: number): void {
    const m = this.#message(n);
    if (!m) return this.#send("-ERR No such message");
    const text = m.raw.toString("latin1").replace(/\r?\n$/, "");
    if (lines === undefined) return this.#multi(`${m.raw.length} octets`, text);
    if (!Number.isInteger(lines) || lines < 0) return this.#send("-ERR TOP needs a message and a line count");
    const split = text.indexOf("\r\n\r\n");
    if (split < 0) return this.#multi("Top of message follows", text);
    const body = text
      .slice(split + 4)
      .split("\r\n")
      .slice(0, lines);
    this.#multi("Top of message follows", [text.slice(0, split), "", ...body].join("\r\n"));
  }

  #dele(n: number | undefined): void {
    if (!this.#message(n)) return this.#send("-ERR No such message");
    this.#deleted.add(n!);
    this.#send(`+OK Message ${n} deleted`);
  }

  /** QUIT: in the transaction state the messages marked with DELE leave the store (the UPDATE state). */
  #quit(): void {
    if (this.#mailbox !== undefined) {
      const uids = [...this.#deleted].map((n) => this.#drop[n - 1]!.uid);
      this.deps.store.remove(this.#mailbox, uids);
    }
    this.#send("+OK Bye");
    this.socket.end();
  }

  /** A multi-line response: lines starting with "." are dot-stuffed, "." alone ends it. */
  #multi(status: string, body: string): void {
    const stuffed = body === "" ? "" : `${body.replace(/^\./gm, "..")}\r\n`;
    this.#send(`+OK ${status}\r\n${stuffed}.`);
  }

  #send(text: string): void {
    if (this.socket.writable) this.socket.write(Buffer.from(`${text}\r\n`, "latin1"));
  }
}
