import { readFileSync } from "node:fs";
import { createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from "node:tls";
import type { CheckOutcome } from "../../contract/result.js";

/**
 * TLS client settings for one endpoint, resolved from its configuration: verification on unless the
 * operator said otherwise, a private CA when given, and the name to verify (SNI).
 */
export interface TlsClientOptions {
  verify: boolean;
  ca?: string;
  servername: string;
}

/** Resolves an endpoint's `tls` configuration; the CA file is read at each check so rotation needs no restart. */
export function tlsClientOptions(
  tls: { verify: boolean; caFile?: string | undefined; servername?: string | undefined },
  host: string,
): TlsClientOptions {
  return {
    verify: tls.verify,
    ...(tls.caFile ? { ca: readFileSync(tls.caFile, "utf8") } : {}),
    servername: tls.servername ?? host,
  };
}

/** Options for node:tls `connect`, from resolved settings. */
export function nodeTlsOptions(o: TlsClientOptions): {
  rejectUnauthorized: boolean;
  secureContext: SecureContext;
  servername?: string;
} {
  const isIp = /^[\d.]+$|:/.test(o.servername);
  return {
    rejectUnauthorized: o.verify,
    secureContext: sharedContext(o.ca),
    ...(isIp ? {} : { servername: o.servername }),
  };
}

/**
 * One TLS context per trust anchor (the private CA's text, or the system's roots), shared by every
 * connection that trusts it. Without it node:tls builds a context for each connection (an OpenSSL
 * SSL_CTX with its own certificate store, the CA parsed again): with 2,000 mailbox watchers that was
 * a large share of the agent's memory. A rotated CA file has new text, hence a new context; the
 * cache is bounded, as a configuration names few CAs.
 */
function sharedContext(ca: string | undefined): SecureContext {
  const key = ca ?? "";
  let context = contexts.get(key);
  if (!context) {
    if (contexts.size >= 16) contexts.clear();
    context = createSecureContext(ca ? { ca } : {});
    contexts.set(key, context);
  }
  return context;
}

const contexts = new Map<string, SecureContext>();

/** The facts about a peer certificate that results carry (expiry drives the certificate alerts). */
export function certificateInfo(socket: TLSSocket): CheckOutcome["tls"] {
  const cert: PeerCertificate = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return undefined;
  const protocol = socket.getProtocol();
  return {
    notAfter: Date.parse(cert.valid_to),
    ...(cert.subject?.CN ? { subject: String(cert.subject.CN) } : {}),
    ...(cert.issuer?.CN ? { issuer: String(cert.issuer.CN) } : {}),
    ...(protocol ? { protocol } : {}),
  };
}
