/**
 * SEARCH for the demo IMAP server: the keys a delivery probe uses to find its message (HEADER with
 * the probe token, SUBJECT, FROM, TO, BODY, TEXT, flags, UID and sequence sets, dates, sizes), with
 * NOT, OR and parenthesized groups. An unknown key is a BAD, so a probe never acts on a wrong match.
 */
import { headerFields } from "./imap-fetch.js";
import { ImapError, MONTHS, isSequenceSet, sequenceSet, str, utf8, type Token } from "./imap-protocol.js";
import type { StoredMessage } from "./mailstore.js";

/** A candidate of a search: the message and its sequence number in the session's view. */
export interface Candidate {
  seq: number;
  message: StoredMessage;
}

/** A compiled search: true for the messages that match. */
export type Matcher = (c: Candidate) => boolean;

/** Highest sequence number and UID in the view, which `*` stands for. */
export interface SearchBounds {
  maxSeq: number;
  maxUid: number;
}

const FLAG_KEYS: Record<string, [flag: string, present: boolean]> = {
  SEEN: ["\\Seen", true],
  UNSEEN: ["\\Seen", false],
  DELETED: ["\\Deleted", true],
  UNDELETED: ["\\Deleted", false],
  FLAGGED: ["\\Flagged", true],
  UNFLAGGED: ["\\Flagged", false],
  ANSWERED: ["\\Answered", true],
  UNANSWERED: ["\\Answered", false],
  DRAFT: ["\\Draft", true],
  UNDRAFT: ["\\Draft", false],
};

const ADDRESS_KEYS = new Set(["SUBJECT", "FROM", "TO", "CC", "BCC"]);

/** Compiles SEARCH arguments (an optional CHARSET first) into one matcher: all keys must match. */
export function compileSearch(args: readonly Token[], bounds: SearchBounds): Matcher {
  let i = 0;
  if (typeof args[0] === "string" && args[0].toUpperCase() === "CHARSET") {
    const charset = str(args, 1, "a charset").toUpperCase();
    if (charset !== "UTF-8" && charset !== "US-ASCII") throw new ImapError("NO", "[BADCHARSET (UTF-8)]");
    i = 2;
  }
  const matchers: Matcher[] = [];
  while (i < args.length) {
    const [m, next] = compileKey(args, i, bounds);
    matchers.push(m);
    i = next;
  }
  if (matchers.length === 0) throw new ImapError("BAD", "SEARCH needs a key");
  return (c) => matchers.every((m) => m(c));
}

/** Compiles the key at `i`; returns its matcher and the index after its arguments. */
function compileKey(args: readonly Token[], i: number, bounds: SearchBounds): [Matcher, number] {
  const token = args[i];
  if (Array.isArray(token)) return [compileSearch(token, bounds), i + 1];
  if (isSequenceSet(token)) {
    const inSet = sequenceSet(token, bounds.maxSeq);
    return [(c) => inSet(c.seq), i + 1];
  }
  const key = str(args, i, "a search key").toUpperCase();
  const flag = FLAG_KEYS[key];
  if (flag) return [(c) => c.message.flags.has(flag[0]) === flag[1], i + 1];
  if (ADDRESS_KEYS.has(key)) return [headerMatcher(key, str(args, i + 1, "a string")), i + 2];
  switch (key) {
    case "ALL":
    case "OLD":
      return [() => true, i + 1];
    case "NEW":
    case "RECENT":
      return [() => false, i + 1];
    case "NOT": {
      const [m, next] = compileKey(args, i + 1, bounds);
      return [(c) => !m(c), next];
    }
    case "OR": {
      const [a, afterA] = compileKey(args, i + 1, bounds);
      const [b, afterB] = compileKey(args, afterA, bounds);
      return [(c) => a(c) || b(c), afterB];
    }
    default:
      return compileValueKey(key, args, i, bounds);
  }
}

/** Keys that take one argument besides the header-field ones. */
function compileValueKey(
  key: string,
  args: readonly Token[],
  i: number,
  bounds: SearchBounds,
): [Matcher, number] {
  switch (key) {
    case "HEADER":
      return [headerMatcher(str(args, i + 1, "a field name"), str(args, i + 2, "a string")), i + 3];
    case "BODY":
    case "TEXT": {
      const needle = utf8(str(args, i + 1, "a string")).toLowerCase();
      return [(c) => bodyText(c.message, key === "TEXT").includes(needle), i + 2];
    }
    case "UID": {
      const inSet = sequenceSet(str(args, i + 1, "a UID set"), bounds.maxUid);
      return [(c) => inSet(c.message.uid), i + 2];
    }
    case "KEYWORD":
    case "UNKEYWORD": {
      const flag = str(args, i + 1, "a keyword");
      return [(c) => c.message.flags.has(flag) === (key === "KEYWORD"), i + 2];
    }
    case "LARGER":
    case "SMALLER": {
      const n = Number(str(args, i + 1, "a size"));
      return [(c) => (key === "LARGER" ? c.message.raw.length > n : c.message.raw.length < n), i + 2];
    }
    case "SINCE":
    case "BEFORE":
    case "ON": {
      const day = parseDate(str(args, i + 1, "a date"));
      return [(c) => compareDay(dayOf(c.message.internalDate), day, key), i + 2];
    }
    default:
      throw new ImapError("BAD", `Unsupported search key ${key}`);
  }
}

/** Substring match on the unfolded values of a header field, case-insensitive ("" matches presence). */
function headerMatcher(field: string, value: string): Matcher {
  const name = field.toLowerCase();
  const needle = utf8(value).toLowerCase();
  return (c) =>
    headerFields(c.message.raw).some((f) => f.name === name && utf8(f.value).toLowerCase().includes(needle));
}

function bodyText(message: StoredMessage, withHeader: boolean): string {
  const split = message.raw.indexOf("\r\n\r\n");
  const from = withHeader || split < 0 ? 0 : split + 4;
  return message.raw.subarray(from).toString("utf8").toLowerCase();
}

/** An IMAP date ("1-Feb-2026") as a UTC day number; dates compare by day only. */
function parseDate(text: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m ? MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw new ImapError("BAD", `Invalid date ${text}`);
  return Date.UTC(Number(m[3]), month, Number(m[1])) / 86_400_000;
}

function dayOf(d: Date): number {
  return Math.floor(d.getTime() / 86_400_000);
}

function compareDay(day: number, ref: number, key: string): boolean {
  if (key === "SINCE") return day >= ref;
  if (key === "BEFORE") return day < ref;
  return day === ref;
}
