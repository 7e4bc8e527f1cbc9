import type { ErrorCode } from "../../contract/errors.js";

/**
 * What POP3 servers say beyond +OK/-ERR: the extended response codes of RFC 2449 ([LOGIN-DELAY],
 * [IN-USE]) and RFC 3206 ([SYS/TEMP], [SYS/PERM], [AUTH]), and the CAPA lines that announce a
 * server's policies (LOGIN-DELAY n, EXPIRE n). The check and the delivery watcher both read them, so
 * that a refusal by policy is told from a broken mailbox the same way in both.
 */

/** The error code of each response code a POP3 -ERR may carry (RFC 2449 section 8, RFC 3206). */
const RESPONSE_CODES: Readonly<Record<string, ErrorCode>> = {
  "LOGIN-DELAY": "login-delay",
  "IN-USE": "in-use",
  "SYS/TEMP": "server-temporary",
  "SYS/PERM": "server-permanent",
  AUTH: "auth",
};

/** The response code in a `-ERR [CODE] text` line, upper-cased; undefined when there is none. */
export function pop3ResponseCode(reply: string): string | undefined {
  return /^-ERR \[([^\]\s]+)\]/i.exec(reply)?.[1]?.toUpperCase();
}

/**
 * The closed error code of a `-ERR` reply: the response code's when it has a known one, else
 * `fallback` (what the step's failure means without one, e.g. "auth" at PASS).
 */
export function pop3ErrorCode(reply: string, fallback: ErrorCode): ErrorCode {
  const code = pop3ResponseCode(reply);
  return (code && RESPONSE_CODES[code]) || fallback;
}

/** The policies a server announces in CAPA (RFC 2449 section 6). */
export interface Pop3Capabilities {
  /** STLS is offered. */
  stls: boolean;
  /** LOGIN-DELAY: the least time between two logins of one account, ms (0: none announced). */
  loginDelayMs: number;
  /** EXPIRE: days a retrieved message may be kept ("never", 0: deleted at once); undefined: not announced. */
  expire?: number | "never";
  /** Every capability line as sent, for the result's details. */
  lines: string[];
}

/** Parses the lines of a CAPA answer (without the +OK line and the final "."). */
export function parseCapa(lines: readonly string[]): Pop3Capabilities {
  const caps: Pop3Capabilities = { stls: false, loginDelayMs: 0, lines: [...lines] };
  for (const line of lines) {
    const [name, arg] = line.trim().split(/\s+/);
    switch (name?.toUpperCase()) {
      case "STLS":
        caps.stls = true;
        break;
      case "LOGIN-DELAY":
        if (arg && /^\d+$/.test(arg)) caps.loginDelayMs = Number(arg) * 1000;
        break;
      case "EXPIRE":
        if (arg?.toUpperCase() === "NEVER") caps.expire = "never";
        else if (arg && /^\d+$/.test(arg)) caps.expire = Number(arg);
        break;
    }
  }
  return caps;
}
