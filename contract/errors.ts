/**
 * Every way a probe can fail, in one closed list. The code is a Prometheus label value and a column in
 * the collector's store, so it must stay bounded: add a code here (with its meaning) rather than
 * inventing one at a call site. Stages are closed for the same reason.
 */

/** Error codes with the sentence an operator reads in logs, reports and runbooks. */
export const ERROR_CODES = {
  dns: "the host name could not be resolved",
  connect: "the TCP connection was refused or the host is unreachable",
  timeout: "no answer within the check's timeout",
  closed: "the server closed the connection unexpectedly",
  protocol: "the server's reply was not understood (garbage or another protocol)",
  tls: "the TLS handshake failed",
  "tls-unavailable": "STARTTLS/STLS is not offered",
  "cert-expired": "the server certificate has expired",
  "cert-not-yet-valid": "the server certificate is not valid yet",
  "cert-hostname": "the server certificate does not name the host",
  "cert-untrusted": "the server certificate is not signed by a trusted CA",
  "smtp-4xx": "the SMTP server answered with a transient (4xx) failure",
  "smtp-5xx": "the SMTP server answered with a permanent (5xx) failure",
  "auth-unavailable": "the server does not offer authentication",
  auth: "the probe account's login was refused",
  "login-delay":
    "the server refused the login under its own rate policy (POP3 [LOGIN-DELAY]): not a fault, the result does not count",
  "in-use": "the mailbox is locked by another session (POP3 [IN-USE], IMAP [INUSE])",
  "server-temporary":
    "the server reported a temporary failure of its own (POP3 [SYS/TEMP], IMAP [UNAVAILABLE])",
  "server-permanent":
    "the server reported a permanent failure or a bug of its own (POP3 [SYS/PERM], IMAP [SERVERBUG])",
  limit: "the server refused because a limit was reached (IMAP [LIMIT], [OVERQUOTA])",
  "auth-not-required": "mail to a foreign domain was accepted without authentication (SPEC 7.1.13)",
  "open-relay": "the server relays mail for anyone (SPEC 7.1.14)",
  mailbox: "the mailbox could not be opened or read",
  "http-status": "the web server answered with an unexpected HTTP status",
  "content-mismatch": "the page does not contain the expected text",
  "spf-fail":
    "the operator's outbound mail failed SPF: the sending IP is not allowed by the envelope domain's SPF record (or the record is broken)",
  "dkim-fail":
    "the operator's outbound mail carries no valid DKIM signature (missing, broken key or altered message)",
  "dmarc-fail":
    "the operator's outbound mail fails DMARC: neither SPF nor DKIM passes aligned with the From domain",
  "arc-fail": "the operator's outbound mail carries an ARC chain that does not validate",
  "ptr-missing": "the operator's sending IP has no reverse DNS (PTR) record",
  "ptr-mismatch":
    "the sending IP's PTR name does not resolve back to that IP (forward-confirmed reverse DNS fails)",
  "helo-mismatch": "the sending server's HELO name does not resolve to its IP",
  "dns-temporary": "a DNS answer the check needs did not come (timeout or SERVFAIL): no verdict",
  listed: "an outbound IP of the operator is listed on a DNS blocklist",
  "dnsbl-refused":
    "a DNS blocklist refused to answer (127.255.255.x: queried through a public resolver or over its free limit): no verdict",
  "spf-record":
    "a sending domain publishes no SPF record, several, or one that is invalid or needs more than 10 DNS lookups (RFC 7208)",
  "dmarc-record": "a sending domain publishes no DMARC record, or one weaker than the configured policy",
  "dkim-key-missing": "a listed DKIM selector of a sending domain publishes no key (or a revoked one)",
  "tls-rpt-missing": "a sending domain publishes no TLS-RPT record (RFC 8460)",
  "mta-sts-policy":
    "a sending domain's MTA-STS policy (RFC 8461) is missing, unreachable over HTTPS, invalid, or weaker than the configured mode",
  "mta-sts-mx":
    "an MX host of a sending domain is not covered by its MTA-STS policy, or does not present a valid certificate for its name after STARTTLS",
  "no-send-limit":
    "the probe account sent its whole configured burst without meeting a sending limit (SPEC 7.1.15)",
  "role-address-refused": "the MX refuses mail to a role address (postmaster@, abuse@) of a hosted domain",
  internal: "the probe itself failed (a bug in mailsla: please report it)",
} as const;

/** A closed error code: see {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** All error codes, for schemas and for pre-initialising metric label sets. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/**
 * Codes of results that are neither a pass nor a fault: the server turned the probe away by its own
 * advertised policy (RFC 2449 LOGIN-DELAY), so the result says nothing about the service. The SLA
 * engine treats such a result as if no result had come (time it covers stays unknown, 6.1.2).
 */
export const UNCOUNTED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["login-delay"]);

/** True when a failed result with this code counts as a failure of the service (see UNCOUNTED_CODES). */
export function countsAsFailure(code: string | null | undefined): boolean {
  return !UNCOUNTED_CODES.has(code as ErrorCode);
}

/** The protocol steps a check goes through; the stage of a failure is one of these. */
export const STAGES = [
  "connect",
  "tls",
  "banner",
  "ehlo",
  "starttls",
  "auth",
  "mail",
  "rcpt",
  "data",
  "quit",
  "greeting",
  "capability",
  "login",
  "select",
  "stat",
  "http",
  "content",
  "logout",
  "spf",
  "dkim",
  "dmarc",
  "arc",
  "ptr",
  "helo",
  "dnsbl",
  "policy",
] as const;

/** One protocol step of a check: see {@link STAGES}. */
export type Stage = (typeof STAGES)[number];

/**
 * The one error type checks throw. The check runner turns it into a failed result; nothing above the
 * runner ever sees it. `responseCode` and `response` keep the server's own words for the operator.
 */
export class ProbeError extends Error {
  override readonly name = "ProbeError";
  constructor(
    readonly code: ErrorCode,
    readonly stage: Stage,
    message: string,
    readonly responseCode?: number,
    readonly response?: string,
  ) {
    super(message);
  }
}

const NODE_CODES: Record<string, ErrorCode> = {
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_NONAME: "dns",
  ECONNREFUSED: "connect",
  EHOSTUNREACH: "connect",
  ENETUNREACH: "connect",
  EADDRNOTAVAIL: "connect",
  ECONNRESET: "closed",
  EPIPE: "closed",
  ETIMEDOUT: "timeout",
  ABORT_ERR: "timeout",
  CERT_HAS_EXPIRED: "cert-expired",
  CERT_NOT_YET_VALID: "cert-not-yet-valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "cert-hostname",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "cert-untrusted",
  UNABLE_TO_GET_ISSUER_CERT: "cert-untrusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "cert-untrusted",
  SELF_SIGNED_CERT_IN_CHAIN: "cert-untrusted",
  DEPTH_ZERO_SELF_SIGNED_CERT: "cert-untrusted",
  CERT_UNTRUSTED: "cert-untrusted",
  CERT_SIGNATURE_FAILURE: "cert-untrusted",
};

/**
 * Maps any thrown value to a ProbeError at the given stage, so library errors (node:net, node:tls,
 * imapflow, fetch) end up in the closed code list. A ProbeError keeps its own code and stage.
 */
export function classifyError(err: unknown, stage: Stage): ProbeError {
  if (err instanceof ProbeError) return err;
  const e = (err ?? {}) as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    probeCode?: unknown;
    responseCode?: unknown;
    response?: unknown;
  };
  const message = typeof e.message === "string" ? e.message : String(err);
  if (typeof e.probeCode === "string" && e.probeCode in ERROR_CODES) {
    const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
    const response = typeof e.response === "string" ? e.response : undefined;
    return new ProbeError(e.probeCode as ErrorCode, stage, message, responseCode, response);
  }
  const code = typeof e.code === "string" ? NODE_CODES[e.code] : undefined;
  if (code) return new ProbeError(code, stage, message);
  if (e.name === "AbortError" || e.name === "TimeoutError") return new ProbeError("timeout", stage, message);
  if (/^ERR_SSL_|^ERR_TLS_/.test(String(e.code)) || /SSL|TLS/.test(message)) {
    return new ProbeError("tls", stage, message);
  }
  if (e.cause !== undefined && e.cause !== err) return classifyError(e.cause, stage);
  return new ProbeError("internal", stage, message);
}

/**
 * An error that already knows its code but not its stage: low-level helpers (a line reader, a TLS
 * upgrade, an SMTP reply) throw it and the enclosing `phase` supplies the stage. `reply` keeps the
 * server's reply code and text, which `classifyError` carries into the ProbeError.
 */
export function codedError(
  code: ErrorCode,
  message: string,
  reply?: { responseCode: number; response: string },
): Error {
  return Object.assign(new Error(message), { probeCode: code }, reply);
}
