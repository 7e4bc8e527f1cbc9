/**
 * Folder-level answers of the demo IMAP server: the demo has exactly one folder, INBOX, and these
 * functions say so consistently for NAMESPACE, LIST, LSUB and STATUS, plus the flags it offers.
 * They return response lines and leave sending to the session.
 */
import { ImapError, str, utf8, type Token } from "./imap-protocol.js";
import type { MailStore } from "./mailstore.js";

/** The system flags a message can carry (RFC 3501 2.3.2, without \Recent, which clients cannot set). */
export const SYSTEM_FLAGS = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

/** Renders a flag list for FLAGS, PERMANENTFLAGS and FETCH responses. */
export function flagList(flags: Iterable<string>): string {
  return `(${[...flags].join(" ")})`;
}

/** System flags are case-insensitive and stored in their canonical spelling; keywords are kept as sent. */
export function canonicalFlag(token: Token | undefined): string {
  if (typeof token !== "string" || token === "") throw new ImapError("BAD", "Expected a flag");
  if (!token.startsWith("\\")) return token;
  const flag = SYSTEM_FLAGS.find((f) => f.toLowerCase() === token.toLowerCase());
  if (!flag) throw new ImapError("BAD", `Invalid flag ${token}`);
  return flag;
}

/** True for the one folder there is; anything else is answered NO [NONEXISTENT]. */
export function requireInbox(name: string): void {
  if (name.toUpperCase() !== "INBOX") throw new ImapError("NO", "[NONEXISTENT] No such mailbox");
}

/** The untagged NAMESPACE answer: one personal namespace, no prefix, "/" as the delimiter. */
export const NAMESPACE_LINE = '* NAMESPACE (("" "/")) NIL NIL';

/** LIST or LSUB: the hierarchy delimiter for an empty pattern, INBOX when the pattern matches it. */
export function listLines(verb: "LIST" | "LSUB", args: readonly Token[]): string[] {
  const pattern = utf8(str(args, 1, "a mailbox pattern"));
  if (pattern === "") return verb === "LIST" ? ['* LIST (\\Noselect) "/" ""'] : [];
  return globMatches(pattern, "INBOX") ? [`* ${verb} (\\HasNoChildren) "/" INBOX`] : [];
}

/** STATUS of INBOX: MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN; other items are a BAD. */
export function statusLine(store: MailStore, address: string, args: readonly Token[]): string {
  requireInbox(utf8(str(args, 0, "a mailbox name")));
  const items = args[1];
  if (!Array.isArray(items) || items.length === 0)
    throw new ImapError("BAD", "Expected a list of status items");
  const messages = store.messages(address);
  const values: Record<string, number> = {
    MESSAGES: messages.length,
    RECENT: 0,
    UIDNEXT: store.uidNext(address),
    UIDVALIDITY: store.uidValidity,
    UNSEEN: messages.filter((m) => !m.flags.has("\\Seen")).length,
  };
  const pairs = items.map((item) => {
    const key = typeof item === "string" ? item.toUpperCase() : "";
    if (!(key in values)) throw new ImapError("BAD", `Unsupported status item ${String(item)}`);
    return `${key} ${values[key]}`;
  });
  return `* STATUS INBOX (${pairs.join(" ")})`;
}

/** LIST wildcards: `*` matches anything, `%` anything but the hierarchy delimiter. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/%/g, "[^/]*");
  return new RegExp(`^${re}$`, "i").test(name);
}
