/**
 * The demo target's IMAP service (RFC 3501 subset, implicit TLS): enough of IMAP4rev1 for imapflow
 * and for delivery probes to log in, open INBOX, wait in IDLE for a new message, find it by SEARCH,
 * read it with FETCH and delete it (STORE \Deleted, EXPUNGE). One folder, INBOX; no APPEND, COPY,
 * STATUS, ENVELOPE or BODYSTRUCTURE. Anything else is a BAD, never a silent success.
 */
import type tls from "node:tls";
import { acceptTls, type Accept, type ServiceGate } from "./gate.js";
import { parseFetchItems, renderFetch, setsSeen } from "./imap-fetch.js";
import {
  NAMESPACE_LINE,
  canonicalFlag,
  flagList,
  listLines,
  requireInbox,
  statusLine,
} from "./imap-folders.js";
import {
  CommandReader,
  ImapError,
  sequenceSet,
  splitCommand,
  str,
  tokenize,
  utf8,
  type Token,
} from "./imap-protocol.js";
import { compileSearch } from "./imap-search.js";
import { MailboxView } from "./imap-view.js";
import type { Authenticate, MailStore } from "./mailstore.js";

/** What the IMAP service needs from the target. */
export interface ImapDeps {
  store: MailStore;
  gate: ServiceGate;
  authenticate: Authenticate;
  secureContext: tls.SecureContext;
  /** The name in the certificate, shown in the greeting. */
  hostname: string;
}

/** Builds the gate's accept function: TLS first, then one IMAP session per connection. */
export function createImapAccept(deps: ImapDeps): Accept {
  return (raw) => acceptTls(raw, deps.secureContext, (socket) => void new ImapSession(socket, deps).start());
}

const CAPS = "IMAP4rev1 LITERAL+ SASL-IR ID IDLE NAMESPACE UIDPLUS";
const PRE_AUTH_CAPS = `${CAPS} AUTH=PLAIN`;
/** RFC 3501 asks for at least 30 minutes before an idle client is logged out. */
const AUTOLOGOUT_MS = 30 * 60_000;

type State = "new" | "auth" | "selected";
/** A command's work: returns the tagged reply ("OK ...") or undefined when it answers later itself. */
type Run = (tag: string, args: Token[], uid: boolean) => string | undefined;
interface Command {
  states: readonly State[];
  uid?: boolean;
  run: Run;
}
interface Selected {
  view: MailboxView;
  unsubscribe: () => void;
}

const ANY: readonly State[] = ["new", "auth", "selected"];
const AUTHED: readonly State[] = ["auth", "selected"];
const SELECTED: readonly State[] = ["selected"];

class ImapSession {
  #state: State = "new";
  #user = "";
  #selected: Selected | undefined;
  #idleTag: string | undefined;
  #authTag: string | undefined;
  #closed = false;
  readonly #reader = new CommandReader(
    (text) => this.#onCommand(text),
    () => this.#send("+ Ready for literal data"),
    () => this.#bye("Command too long"),
  );
  readonly #commands = new Map<string, Command>([
    ["CAPABILITY", { states: ANY, run: () => this.#capability() }],
    ["NOOP", { states: ANY, run: () => "OK NOOP completed" }],
    ["LOGOUT", { states: ANY, run: (tag) => this.#logout(tag) }],
    ["ID", { states: ANY, run: () => this.#id() }],
    ["LOGIN", { states: ["new"], run: (_t, args) => this.#login(args) }],
    ["AUTHENTICATE", { states: ["new"], run: (tag, args) => this.#authenticate(tag, args) }],
    ["NAMESPACE", { states: AUTHED, run: () => this.#lines([NAMESPACE_LINE], "NAMESPACE") }],
    ["LIST", { states: AUTHED, run: (_t, args) => this.#lines(listLines("LIST", args), "LIST") }],
    ["LSUB", { states: AUTHED, run: (_t, args) => this.#lines(listLines("LSUB", args), "LSUB") }],
    [
      "STATUS",
      {
        states: AUTHED,
        run: (_t, args) => this.#lines([statusLine(this.deps.store, this.#user, args)], "STATUS"),
      },
    ],
    ["SELECT", { states: AUTHED, run: (_t, args) => this.#select(args, false) }],
    ["EXAMINE", { states: AUTHED, run: (_t, args) => this.#select(args, true) }],
    ["IDLE", { states: AUTHED, run: (tag) => this.#idle(tag) }],
    ["CHECK", { states: SELECTED, run: () => "OK CHECK completed" }],
    ["CLOSE", { states: SELECTED, run: () => this.#close() }],
    ["EXPUNGE", { states: SELECTED, uid: true, run: (_t, args, uid) => this.#expunge(args, uid) }],
    ["SEARCH", { states: SELECTED, uid: true, run: (_t, args, uid) => this.#search(args, uid) }],
    ["FETCH", { states: SELECTED, uid: true, run: (_t, args, uid) => this.#fetch(args, uid) }],
    ["STORE", { states: SELECTED, uid: true, run: (_t, args, uid) => this.#storeFlags(args, uid) }],
  ]);

  constructor(
    private readonly socket: tls.TLSSocket,
    private readonly deps: ImapDeps,
  ) {}

  /** Greets (after the `slow` delay, if that fault is on) and starts reading commands. */
  async start(): Promise<void> {
    if (!(await this.deps.gate.pause()) || this.socket.destroyed) return;
    this.#send(`* OK [CAPABILITY ${PRE_AUTH_CAPS}] ${this.deps.hostname} mailsla demo IMAP ready`);
    this.socket.on("data", (chunk: Buffer) => this.#reader.push(chunk));
    this.socket.once("close", () => this.#deselect());
    this.socket.setTimeout(AUTOLOGOUT_MS, () => this.#bye("Autologout"));
  }

  #onCommand(text: string): void {
    if (this.#closed) return;
    if (this.#idleTag !== undefined) return this.#endIdle(this.#idleTag, text);
    if (this.#authTag !== undefined) return this.#finishAuthenticate(this.#authTag, text);
    const line = splitCommand(text);
    if (!line) return this.#send("* BAD Invalid tag");
    if ("error" in line) return this.#send(`${line.tag} BAD ${line.error}`);
    const { tag, name, uid } = line;
    this.#complete(tag, !uid && ["FETCH", "STORE", "SEARCH"].includes(name), () => {
      const command = this.#commands.get(name);
      if (!command || (uid && !command.uid))
        throw new ImapError("BAD", `Unknown command ${uid ? "UID " : ""}${name}`);
      if (!command.states.includes(this.#state))
        throw new ImapError("BAD", `${name} not allowed in this state`);
      return command.run(tag, tokenize(line.rest), uid);
    });
  }

  /**
   * Runs a command step and sends its tagged reply, mailbox updates first. EXPUNGE updates are held
   * back after FETCH, STORE and SEARCH by sequence number (RFC 3501 7.4.1).
   */
  #complete(tag: string, holdExpunges: boolean, step: () => string | undefined): void {
    let reply: string | undefined;
    try {
      reply = step();
    } catch (err) {
      reply =
        err instanceof ImapError ? `${err.status} ${err.message}` : `BAD Internal error: ${String(err)}`;
    }
    if (reply === undefined) return;
    this.#sync(!holdExpunges);
    this.#send(`${tag} ${reply}`);
  }

  #capability(): string {
    this.#send(`* CAPABILITY ${this.#state === "new" ? PRE_AUTH_CAPS : CAPS}`);
    return "OK CAPABILITY completed";
  }

  #logout(tag: string): undefined {
    this.#send("* BYE Logging out");
    this.#send(`${tag} OK LOGOUT completed`);
    this.#closed = true;
    this.socket.end();
    return undefined;
  }

  #id(): string {
    this.#send('* ID ("name" "mailsla-demo" "vendor" "mailsla")');
    return "OK ID completed";
  }

  #login(args: Token[]): string {
    return this.#logIn(utf8(str(args, 0, "a user name")), utf8(str(args, 1, "a password")));
  }

  /** The one place a login is decided, for LOGIN and AUTHENTICATE PLAIN; `refuse` fails it. */
  #logIn(user: string, pass: string): string {
    if (this.deps.gate.fault === "refuse") {
      throw new ImapError("NO", "[UNAVAILABLE] Login temporarily unavailable (demo fault)");
    }
    const address = this.deps.authenticate(user, pass);
    if (!address) throw new ImapError("NO", "[AUTHENTICATIONFAILED] Authentication failed");
    this.#user = address;
    this.#state = "auth";
    return `OK [CAPABILITY ${CAPS}] Logged in`;
  }

  #authenticate(tag: string, args: Token[]): string | undefined {
    const mechanism = str(args, 0, "a SASL mechanism").toUpperCase();
    if (mechanism !== "PLAIN") throw new ImapError("NO", `Unsupported mechanism ${mechanism}`);
    if (args.length > 1) return this.#plain(str(args, 1, "an initial response"));
    this.#authTag = tag;
    this.#send("+ ");
    return undefined;
  }

  #finishAuthenticate(tag: string, line: string): void {
    this.#authTag = undefined;
    this.#complete(tag, false, () => {
      if (line === "*") throw new ImapError("BAD", "Authentication cancelled");
      return this.#plain(line);
    });
  }

  /** SASL PLAIN (RFC 4616): authzid NUL authcid NUL password, base64; acting as another user is refused. */
  #plain(base64: string): string {
    const parts = Buffer.from(base64, "base64").toString("utf8").split("\0");
    if (parts.length !== 3) throw new ImapError("BAD", "Invalid SASL PLAIN response");
    const [authzid = "", authcid = "", password = ""] = parts;
    if (authzid !== "" && authzid !== authcid) {
      throw new ImapError("NO", "[AUTHORIZATIONFAILED] Cannot act as another user");
    }
    return this.#logIn(authcid, password);
  }

  /** Sends untagged lines computed elsewhere and completes the command. */
  #lines(lines: readonly string[], name: string): string {
    for (const l of lines) this.#send(l);
    return `OK ${name} completed`;
  }

  #select(args: Token[], readOnly: boolean): string {
    const name = utf8(str(args, 0, "a mailbox name"));
    this.#deselect();
    requireInbox(name);
    const view = new MailboxView(this.deps.store, this.#user, readOnly);
    const unsubscribe = this.deps.store.onChange(
      this.#user,
      () => this.#idleTag !== undefined && this.#sync(true),
    );
    this.#selected = { view, unsubscribe };
    this.#state = "selected";
    for (const line of view.selectLines()) this.#send(line);
    return `OK [${readOnly ? "READ-ONLY" : "READ-WRITE"}] ${readOnly ? "EXAMINE" : "SELECT"} completed`;
  }

  #deselect(): void {
    this.#selected?.unsubscribe();
    this.#selected = undefined;
    if (this.#state === "selected") this.#state = "auth";
  }

  #idle(tag: string): undefined {
    this.#idleTag = tag;
    this.#send("+ idling");
    this.#sync(true);
    return undefined;
  }

  #endIdle(tag: string, line: string): void {
    this.#idleTag = undefined;
    this.#complete(tag, false, () => {
      if (line.toUpperCase() !== "DONE") throw new ImapError("BAD", "Expected DONE");
      return "OK IDLE terminated";
    });
  }

  #close(): string {
    const view = this.#view();
    if (!view.readOnly) view.removeDeleted(() => true);
    this.#deselect();
    return "OK CLOSE completed";
  }

  /** EXPUNGE and UID EXPUNGE (UIDPLUS); the EXPUNGE lines go out with the sync before the tagged OK. */
  #expunge(args: Token[], uid: boolean): string {
    const view = this.#writableView();
    view.removeDeleted(uid ? sequenceSet(str(args, 0, "a UID set"), view.lastUid) : () => true);
    return "OK EXPUNGE completed";
  }

  #search(args: Token[], uid: boolean): string {
    const view = this.#view();
    const match = compileSearch(args, { maxSeq: view.exists, maxUid: view.lastUid });
    const hits = view
      .candidates()
      .filter(match)
      .map((c) => (uid ? c.message.uid : c.seq));
    this.#send(`* SEARCH${hits.map((h) => ` ${h}`).join("")}`);
    return "OK SEARCH completed";
  }

  #fetch(args: Token[], uid: boolean): string {
    const view = this.#view();
    const targets = view.pick(str(args, 0, "a sequence set"), uid);
    if (args.length > 2) throw new ImapError("BAD", "FETCH modifiers are not supported");
    const items = parseFetchItems(args[1]);
    const marksSeen = setsSeen(items) && !view.readOnly;
    for (const { seq, message } of targets) {
      const flagsChanged = marksSeen && !message.flags.has("\\Seen");
      if (flagsChanged) message.flags.add("\\Seen");
      this.#send(renderFetch(seq, message, items, { uid, flagsChanged }));
    }
    return "OK FETCH completed";
  }

  #storeFlags(args: Token[], uid: boolean): string {
    const targets = this.#writableView().pick(str(args, 0, "a sequence set"), uid);
    const op = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(str(args, 1, "FLAGS, +FLAGS or -FLAGS"));
    if (!op) throw new ImapError("BAD", "Expected FLAGS, +FLAGS or -FLAGS");
    const flagArg = args[2];
    const flags = (Array.isArray(flagArg) ? flagArg : [flagArg]).map(canonicalFlag);
    for (const { seq, message } of targets) {
      if (op[1] === "") message.flags.clear();
      for (const f of flags) {
        if (op[1] === "-") message.flags.delete(f);
        else message.flags.add(f);
      }
      if (op[2]) continue;
      this.#send(`* ${seq} FETCH (FLAGS ${flagList(message.flags)}${uid ? ` UID ${message.uid}` : ""})`);
    }
    return "OK STORE completed";
  }

  #view(): MailboxView {
    if (!this.#selected) throw new ImapError("BAD", "No mailbox selected");
    return this.#selected.view;
  }

  #writableView(): MailboxView {
    const view = this.#view();
    if (view.readOnly) throw new ImapError("NO", "[READ-ONLY] Mailbox is read-only");
    return view;
  }

  /** Tells the client what changed in the store since it last looked. */
  #sync(withExpunges: boolean): void {
    for (const line of this.#selected?.view.sync(withExpunges) ?? []) this.#send(line);
  }

  #bye(reason: string): void {
    this.#send(`* BYE ${reason}`);
    this.#closed = true;
    this.socket.end();
  }

  #send(data: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(typeof data === "string" ? `${data}\r\n` : Buffer.concat([data, Buffer.from("\r\n")]));
  }
}
