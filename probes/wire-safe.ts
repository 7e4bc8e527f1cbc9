import { CERT_DATE_SPAN_MS, MAX_DETAILS, MAX_MESSAGE, type ProbeResult } from "../contract/result.js";
import { cleanText } from "../contract/text.js";

/**
 * The agent's half of the trust boundary: a check result is made to fit the wire contract before it
 * is stored in the outbox, so what a server says (a banner with an escape sequence, a 1 MB reply, a
 * certificate valid until 9999) never gets a whole result refused by the collector. Free text is
 * cleaned and cut, details are capped, and a certificate date beyond 50 years is clamped to the
 * limit with `certNotAfterClamped` set, so the clamping is visible rather than silent.
 */
export function wireSafe(r: ProbeResult): ProbeResult {
  const out: ProbeResult = { ...r };
  if (r.error) out.error = { ...r.error, message: cleanText(r.error.message, MAX_MESSAGE) };
  let details = r.details ? Object.entries(r.details).slice(0, MAX_DETAILS) : undefined;
  if (details) {
    details = details.map(([k, v]) => [k, typeof v === "string" ? cleanText(v, 500) : v]);
  }
  if (r.tls) {
    const tls = { ...r.tls };
    for (const key of ["subject", "issuer"] as const) {
      if (tls[key] !== undefined) tls[key] = cleanText(tls[key], 500);
    }
    if (tls.protocol !== undefined) tls.protocol = cleanText(tls.protocol, 32);
    const lo = r.startedAt - CERT_DATE_SPAN_MS;
    const hi = r.startedAt + CERT_DATE_SPAN_MS;
    if (tls.notAfter < lo || tls.notAfter > hi) {
      tls.notAfter = Math.round(Math.min(hi, Math.max(lo, tls.notAfter)));
      details = [...(details ?? []).slice(0, MAX_DETAILS - 1), ["certNotAfterClamped", true]];
    }
    out.tls = tls;
  }
  if (details) out.details = Object.fromEntries(details);
  return out;
}
