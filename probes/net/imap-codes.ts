import type { ErrorCode } from "../../contract/errors.js";

/**
 * IMAP response codes (RFC 5530 and the base specification) mapped to the closed error codes, so the
 * status page says why a login or SELECT was refused: the server being unavailable is not a wrong
 * password, and a locked or over-limit mailbox is neither. Codes not listed fall back to what the
 * failing step means without one.
 */
const RESPONSE_CODES: Readonly<Record<string, ErrorCode>> = {
  UNAVAILABLE: "server-temporary",
  AUTHENTICATIONFAILED: "auth",
  AUTHORIZATIONFAILED: "auth",
  EXPIRED: "auth",
  PRIVACYREQUIRED: "auth",
  CONTACTADMIN: "auth",
  NOPERM: "mailbox",
  NONEXISTENT: "mailbox",
  CANNOT: "mailbox",
  INUSE: "in-use",
  LIMIT: "limit",
  OVERQUOTA: "limit",
  SERVERBUG: "server-permanent",
  CORRUPTION: "server-permanent",
  CLIENTBUG: "protocol",
};

/** The closed code of an IMAP response code (`[UNAVAILABLE]` as "UNAVAILABLE"), or `fallback`. */
export function imapErrorCode(responseCode: string | undefined, fallback: ErrorCode): ErrorCode {
  return (responseCode && RESPONSE_CODES[responseCode.toUpperCase()]) || fallback;
}
