import { readFileSync } from "node:fs";
import type { PeerCertificate, TLSSocket } from "node:tls";
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
  ca?: string;
  servername?: string;
} {
  const isIp = /^[\d.]+$|:/.test(o.servername);
  return {
    rejectUnauthorized: o.verify,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(isIp ? {} : { servername: o.servername }),
  };
}

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
