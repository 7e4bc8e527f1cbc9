/**
 * The syntax half of the demo IMAP server (RFC 3501): splitting the byte stream into commands with
 * their literals, tokenizing arguments, sequence sets and quoting. No state and no I/O, so the
 * session code in imap-server.ts reads as a list of commands.
 *
 * Command text is kept as latin1 strings, one character per byte, so a literal's length in bytes is
 * its length in characters; {@link utf8} turns a user-visible argument back into text.
 */

/** A command argument: an atom or string, or a parenthesized list. NIL is just the atom "NIL". */
export type Token = string | Token[];

/** A client error answered with a tagged BAD (syntax) or NO (refused), never an exception upward. */
export class ImapError extends Error {
  constructor(
    readonly status: "BAD" | "NO",
    message: string,
  ) {
    super(message);
  }
}

/** A command larger than this (literals included) ends the connection: the store is in memory. */
const MAX_COMMAND_BYTES = 1024 * 1024;
const LITERAL_AT_END = /\{(\d+)(\+?)\}$/;

/**
 * Cuts the client's bytes into complete commands. A synchronizing literal ({n}) is asked for with a
 * continuation request, a non-synchronizing one ({n+}, LITERAL+) is simply read.
 */
export class CommandReader {
  #buf: Buffer = Buffer.alloc(0);
  #scanFrom = 0;
  #asked = false;
  #dead = false;

  constructor(
    private readonly onCommand: (text: string) => void,
    private readonly onContinue: () => void,
    private readonly onTooLong: () => void,
  ) {}

  /** Feeds bytes from the socket; complete commands go to `onCommand` in order. */
  push(chunk: Buffer): void {
    if (this.#dead) return;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const eol = this.#buf.indexOf("\r\n", this.#scanFrom);
      if (eol < 0) return this.#checkSize();
      const literal = LITERAL_AT_END.exec(this.#buf.toString("latin1", this.#scanFrom, eol));
      if (literal) {
        const end = eol + 2 + Number(literal[1]);
        if (end > MAX_COMMAND_BYTES) return this.#giveUp();
        if (this.#buf.length < end) {
          if (literal[2] === "" && !this.#asked) this.onContinue();
          this.#asked = true;
          return;
        }
        this.#asked = false;
        this.#scanFrom = end;
        continue;
      }
      const text = this.#buf.toString("latin1", 0, eol);
      this.#buf = this.#buf.subarray(eol + 2);
      this.#scanFrom = 0;
      this.onCommand(text);
    }
  }

  #checkSize(): void {
    if (this.#buf.length > MAX_COMMAND_BYTES) this.#giveUp();
  }

  /** Drops what was buffered and reads nothing more: the session closes the connection. */
  #giveUp(): void {
    this.#dead = true;
    this.#buf = Buffer.alloc(0);
    this.onTooLong();
  }
}

/** A command split into its tag, its name (with "UID " kept apart) and its argument text. */
export interface CommandLine {
  tag: string;
  name: string;
  uid: boolean;
  rest: string;
}

/** Splits `tag SP name [SP args]`; returns undefined when not even a tag can be read. */
export function splitCommand(text: string): CommandLine | { tag: string; error: string } | undefined {
  const m = /^([^\s(){%*"\\+]+) ([A-Za-z]+)(?: (.*))?$/s.exec(text);
  if (!m) {
    const tag = /^([^\s(){%*"\\+]+)/.exec(text)?.[1];
    return tag ? { tag, error: "Missing or invalid command" } : undefined;
  }
  const [, tag = "", name = "", rest = ""] = m;
  if (name.toUpperCase() !== "UID") return { tag, name: name.toUpperCase(), uid: false, rest };
  const sub = /^([A-Za-z]+)(?: (.*))?$/s.exec(rest);
  if (!sub) return { tag, error: "UID needs a command" };
  return { tag, name: sub[1]!.toUpperCase(), uid: true, rest: sub[2] ?? "" };
}

/** Tokenizes command arguments: atoms (brackets kept whole), quoted strings, literals, lists. */
export function tokenize(text: string): Token[] {
  const stack: Token[][] = [[]];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1]!;
    if (c === " ") i++;
    else if (c === "(") {
      const list: Token[] = [];
      top.push(list);
      stack.push(list);
      i++;
    } else if (c === ")") {
      if (stack.length === 1) throw new ImapError("BAD", "Unbalanced parentheses");
      stack.pop();
      i++;
    } else if (c === '"') i = readQuoted(text, i, top);
    else if (c === "{") i = readLiteral(text, i, top);
    else i = readAtom(text, i, top);
  }
  if (stack.length !== 1) throw new ImapError("BAD", "Unbalanced parentheses");
  return stack[0]!;
}

/** Reads a quoted string (\" and \\ escaped) into `out`; returns the index after its closing quote. */
function readQuoted(text: string, start: number, out: Token[]): number {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      out.push(value);
      return i + 1;
    }
    if (c === "\\") i++;
    value += text[i] ?? "";
  }
  throw new ImapError("BAD", "Unterminated quoted string");
}

/** Reads a literal ({n}CRLF then n bytes, already in the text) into `out`; returns the index after it. */
function readLiteral(text: string, start: number, out: Token[]): number {
  const m = /^\{(\d+)\+?\}\r\n/.exec(text.slice(start, start + 20));
  if (!m) throw new ImapError("BAD", "Invalid literal");
  const from = start + m[0].length;
  out.push(text.slice(from, from + Number(m[1])));
  return from + Number(m[1]);
}

/** Reads an atom, a [section] with spaces included, into `out`; returns the index after it. */
function readAtom(text: string, start: number, out: Token[]): number {
  let i = start;
  while (i < text.length && !" ()".includes(text[i]!)) {
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) throw new ImapError("BAD", "Unterminated [");
      i = close;
    }
    i++;
  }
  out.push(text.slice(start, i));
  return i;
}

/** The argument at `i` as a string (atom or string); a list or a missing argument is a BAD. */
export function str(args: readonly Token[], i: number, what: string): string {
  const t = args[i];
  if (typeof t !== "string") throw new ImapError("BAD", `Expected ${what}`);
  return t;
}

/** A latin1 command string decoded as the UTF-8 the client meant (user names, passwords, search text). */
export function utf8(latin1: string): string {
  return Buffer.from(latin1, "latin1").toString("utf8");
}

/** Renders a string as an IMAP quoted string. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Parses a sequence set ("1:3,7,9:*") into a membership test; `*` stands for `max` (the highest
 * sequence number or UID in use), and a range may be written either way round.
 */
export function sequenceSet(set: string, max: number): (n: number) => boolean {
  if (!/^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(set)) {
    throw new ImapError("BAD", `Invalid sequence set ${set}`);
  }
  const value = (v: string): number => (v === "*" ? max : Number(v));
  const ranges = set.split(",").map((part) => {
    const [a = "", b = a] = part.split(":");
    const [x, y] = [value(a), value(b)];
    return [Math.min(x, y), Math.max(x, y)] as const;
  });
  return (n) => ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

/** True if `set` looks like a sequence set (search keys use this to tell one from a keyword). */
export function isSequenceSet(token: Token | undefined): token is string {
  return typeof token === "string" && /^[\d*][\d*:,]*$/.test(token);
}

/** IMAP date-time of INTERNALDATE: "22-Nov-2026 11:25:07 +0000". */
export function imapDateTime(d: Date): string {
  const month = MONTHS[d.getUTCMonth()]!;
  const pad = (n: number): string => String(n).padStart(2, "0");
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `"${pad(d.getUTCDate())}-${month}-${d.getUTCFullYear()} ${time} +0000"`;
}

/** Month abbreviations of IMAP dates, in order (also used to parse SINCE/BEFORE/ON). */
export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
