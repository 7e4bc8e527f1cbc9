/**
 * FETCH for the demo IMAP server: the data items a delivery probe reads (UID, FLAGS, INTERNALDATE,
 * RFC822.SIZE, the whole message, its header, selected header fields, its text, partial ranges).
 * ENVELOPE and BODYSTRUCTURE are not offered: they are answered with BAD, never with a guess.
 */
import { flagList } from "./imap-folders.js";
import { ImapError, imapDateTime, type Token } from "./imap-protocol.js";
import type { StoredMessage } from "./mailstore.js";

/** Which part of a message a BODY[...] item asks for. */
interface Section {
  part: "" | "HEADER" | "TEXT" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT";
  fields: string[];
}

/** One requested data item, parsed once per command. */
export type FetchItem =
  | { kind: "UID" | "FLAGS" | "INTERNALDATE" | "RFC822.SIZE" }
  | { kind: "BODY"; name: string; section: Section; peek: boolean; start?: number; length?: number };

const BODY_ITEM = /^BODY(\.PEEK)?\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?$/i;
const SIMPLE = new Set(["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE"]);

/** Parses the item list of FETCH (a single item, a parenthesized list, or the FAST macro). */
export function parseFetchItems(arg: Token | undefined): FetchItem[] {
  if (arg === undefined) throw new ImapError("BAD", "FETCH needs data items");
  const atoms = typeof arg === "string" ? [arg] : arg;
  if (atoms.length === 1 && atoms[0] === "FAST")
    return parseFetchItems(["FLAGS", "INTERNALDATE", "RFC822.SIZE"]);
  return atoms.map((a) => {
    if (typeof a !== "string") throw new ImapError("BAD", "Unexpected list in FETCH items");
    return parseItem(a);
  });
}

function parseItem(atom: string): FetchItem {
  const upper = atom.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: upper as "UID" };
  if (upper === "RFC822")
    return { kind: "BODY", name: "RFC822", section: { part: "", fields: [] }, peek: false };
  if (upper === "RFC822.HEADER") return { kind: "BODY", name: upper, section: section("HEADER"), peek: true };
  if (upper === "RFC822.TEXT") return { kind: "BODY", name: upper, section: section("TEXT"), peek: false };
  const m = BODY_ITEM.exec(atom);
  if (!m) throw new ImapError("BAD", `Unsupported FETCH item ${atom}`);
  const sectionText = m[2]!.toUpperCase();
  const start = m[3] === undefined ? undefined : Number(m[3]);
  return {
    kind: "BODY",
    name: `BODY[${sectionText}]${start === undefined ? "" : `<${start}>`}`,
    section: section(sectionText),
    peek: m[1] !== undefined,
    ...(start === undefined ? {} : { start }),
    ...(m[4] === undefined ? {} : { length: Number(m[4]) }),
  };
}

function section(text: string): Section {
  const m = /^(HEADER\.FIELDS(?:\.NOT)?) \(([^)]*)\)$/.exec(text);
  if (m) return { part: m[1] as Section["part"], fields: m[2]!.split(" ").filter(Boolean) };
  if (text === "" || text === "HEADER" || text === "TEXT") return { part: text, fields: [] };
  throw new ImapError("BAD", `Unsupported section [${text}]`);
}

/** True if reading these items marks a message \Seen (a BODY[] without .PEEK, RFC822, RFC822.TEXT). */
export function setsSeen(items: readonly FetchItem[]): boolean {
  return items.some((i) => i.kind === "BODY" && !i.peek);
}

/**
 * Renders one FETCH response. Under UID FETCH the UID is always included, and FLAGS is added when
 * the fetch has just set \Seen, as RFC 3501 asks.
 */
export function renderFetch(
  seq: number,
  message: StoredMessage,
  items: readonly FetchItem[],
  opts: { uid: boolean; flagsChanged: boolean },
): Buffer {
  const wanted = [...items];
  if (opts.uid && !wanted.some((i) => i.kind === "UID")) wanted.unshift({ kind: "UID" });
  if (opts.flagsChanged && !wanted.some((i) => i.kind === "FLAGS")) wanted.push({ kind: "FLAGS" });
  const parts: Buffer[] = [];
  wanted.forEach((item, n) => {
    if (n > 0) parts.push(Buffer.from(" "));
    parts.push(renderItem(message, item));
  });
  return Buffer.concat([Buffer.from(`* ${seq} FETCH (`), ...parts, Buffer.from(")")]);
}

function renderItem(message: StoredMessage, item: FetchItem): Buffer {
  switch (item.kind) {
    case "UID":
      return Buffer.from(`UID ${message.uid}`);
    case "FLAGS":
      return Buffer.from(`FLAGS ${flagList(message.flags)}`);
    case "INTERNALDATE":
      return Buffer.from(`INTERNALDATE ${imapDateTime(message.internalDate)}`);
    case "RFC822.SIZE":
      return Buffer.from(`RFC822.SIZE ${message.raw.length}`);
    case "BODY": {
      let data = sectionData(message.raw, item.section);
      if (item.start !== undefined) {
        data = data.subarray(item.start, item.length === undefined ? undefined : item.start + item.length);
      }
      return Buffer.concat([Buffer.from(`${item.name} {${data.length}}\r\n`), data]);
    }
  }
}

/** The bytes of one section of a (single-part) message. */
function sectionData(raw: Buffer, s: Section): Buffer {
  const split = raw.indexOf("\r\n\r\n");
  const headerEnd = split < 0 ? raw.length : split + 4;
  if (s.part === "") return raw;
  if (s.part === "TEXT") return raw.subarray(headerEnd);
  if (s.part === "HEADER") return raw.subarray(0, headerEnd);
  const names = new Set(s.fields.map((f) => f.toLowerCase()));
  const keep = s.part === "HEADER.FIELDS";
  const lines = headerFields(raw.subarray(0, headerEnd)).filter((f) => names.has(f.name) === keep);
  return Buffer.from(lines.map((f) => f.raw).join("") + "\r\n", "latin1");
}

/** A header field: its lower-case name, its unfolded value, and its raw lines (CRLF included). */
export interface HeaderField {
  name: string;
  value: string;
  raw: string;
}

/** Splits a message's header into fields, folded lines joined; SEARCH HEADER reads the same list. */
export function headerFields(raw: Buffer): HeaderField[] {
  const split = raw.indexOf("\r\n\r\n");
  const text = raw.toString("latin1", 0, split < 0 ? raw.length : split + 2);
  const fields: HeaderField[] = [];
  for (const line of text.split(/(?<=\r\n)/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.raw += line;
      last.value += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.push({
      name: line.slice(0, colon).trim().toLowerCase(),
      value: line.slice(colon + 1).trim(),
      raw: line,
    });
  }
  return fields;
}
