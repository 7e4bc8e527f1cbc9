import { randomBytes } from "node:crypto";
import { TOKEN_PATTERN } from "../../contract/delivery-result.js";

/**
 * Probe messages: a unique token per message, headers that mark it as a probe (so it can be found,
 * matched and deleted, and never mistaken for a user's mail), and the parsers that get the token back
 * from a mailbox's headers or a sink address. Parsers never throw: mailboxes and SMTP peers hold
 * anything, and garbage must simply not match.
 */

/** The header naming a probe message's token: the one thing matching relies on. */
export const PROBE_HEADER = "X-Mailsla-Probe";
/** The header naming the vantage point that sent it, so agents sharing a mailbox leave each other's probes. */
export const VANTAGE_HEADER = "X-Mailsla-Vantage";

const TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A fresh random token: unguessable, so nobody can fake an arrival, and a valid local part. */
export function newToken(): string {
  const bytes = randomBytes(26);
  let out = "";
  for (const b of bytes) out += TOKEN_ALPHABET[b & 31];
  return out;
}

/** Whether a string is a well-formed token. */
export function isToken(value: unknown): value is string {
  return typeof value === "string" && TOKEN_PATTERN.test(value);
}

/** What a probe message says about itself. */
export interface ProbeMessageInput {
  token: string;
  delivery: string;
  vantage: string;
  from: string;
  to: string;
  /** Wall time for the Date header, Unix ms. */
  date: number;
}

/**
 * The full message text (CRLF line ends). Header values from configuration are reduced to printable
 * ASCII and cut, so no input can inject a header or break the message.
 */
export function buildProbeMessage(m: ProbeMessageInput): string {
  const clean = (v: string, max = 200): string => v.replace(/[^\x20-\x7e]/g, "?").slice(0, max);
  const token = isToken(m.token) ? m.token : "invalid";
  const headers = [
    `From: mailsla probe <${clean(m.from)}>`,
    `To: <${clean(m.to)}>`,
    `Subject: [mailsla probe] ${clean(m.delivery, 64)} ${token}`,
    `Date: ${formatMailDate(m.date)}`,
    `Message-ID: <${token}.mailsla@${clean(domainOf(m.from), 100) || "mailsla.invalid"}>`,
    `${PROBE_HEADER}: ${token}`,
    `${VANTAGE_HEADER}: ${clean(m.vantage, 64)}`,
    "Auto-Submitted: auto-generated",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "Content-Transfer-Encoding: 7bit",
  ];
  const body = [
    "This is a delivery probe of mailsla, the SLA monitor of this mail service.",
    "It measures how long mail takes (ISC public e-mail service specification 7.1.8, 7.1.9).",
    "It is deleted automatically once measured; nobody needs to read or answer it.",
  ];
  return `${headers.join("\r\n")}\r\n\r\n${body.join("\r\n")}\r\n`;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1) : "";
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 5322 date in UTC ("Sun, 22 Nov 2026 03:03:48 +0000"); an unusable time gives the epoch. */
export function formatMailDate(ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0);
  const t = Number.isNaN(d.getTime()) ? new Date(0) : d;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[t.getUTCDay()]}, ${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} +0000`;
}

/** What a mailbox copy of a message tells about it as a probe. */
export interface ProbeHeaders {
  token: string;
  /** The sending agent's vantage point, when the header is there. */
  vantage?: string;
}

/**
 * The probe token and vantage from a raw header block (a string or bytes, any line ends, folded or
 * not). Undefined when the block is not a probe message's: no header, or a malformed token.
 */
export function probeHeaders(raw: string | Uint8Array): ProbeHeaders | undefined {
  const text = typeof raw === "string" ? raw : Buffer.from(raw).toString("latin1");
  const block = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const unfolded = block.replace(/\r?\n[ \t]+/g, " ");
  let token: string | undefined;
  let vantage: string | undefined;
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^([!-9;-~]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    if (name === PROBE_HEADER.toLowerCase() && token === undefined) token = m[2]!.toLowerCase();
    if (name === VANTAGE_HEADER.toLowerCase() && vantage === undefined) vantage = m[2]!;
  }
  if (!isToken(token)) return undefined;
  return vantage ? { token, vantage } : { token };
}

/**
 * The token of a sink address `<token>@<domain>` (case-insensitive, as MTAs may change case), or
 * undefined when the address is in another domain or its local part is not a token.
 */
export function tokenFromAddress(address: unknown, domain: string): string | undefined {
  if (typeof address !== "string") return undefined;
  const at = address.lastIndexOf("@");
  if (at < 0 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  const local = address.slice(0, at).toLowerCase();
  return isToken(local) ? local : undefined;
}
