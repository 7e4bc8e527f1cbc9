import { SENDER_AUTH_ASPECTS, type SenderAuthAspect } from "../config/hygiene.js";

/**
 * What the agent's sender-auth check and the collector's reputation rows agree on: which result of
 * each aspect is a failure, and how a failed result's message lists every aspect
 * (`spf=pass dkim=fail dmarc=pass arc=none ptr=pass helo=pass`). One table, so the report judges an
 * aspect exactly as the sink did.
 */

/** Results that fail an aspect; anything else (pass, none for ARC, neutral for SPF) does not. */
export const FAILING_RESULTS: Readonly<Record<SenderAuthAspect, ReadonlySet<string>>> = {
  spf: new Set(["fail", "softfail", "permerror", "none"]),
  dkim: new Set(["fail", "policy", "neutral", "permerror", "none"]),
  dmarc: new Set(["fail", "permerror", "none"]),
  arc: new Set(["fail"]),
  ptr: new Set(["missing", "mismatch"]),
  helo: new Set(["fail"]),
};

/**
 * The aspects a failed sender-auth result's message shows failing (its last `aspect=result` of each
 * aspect: the summary ends the message); undefined when the message does not list all six.
 */
export function failedAspectsOf(message: string): SenderAuthAspect[] | undefined {
  const last = new Map<string, string>();
  for (const m of message.matchAll(/\b(spf|dkim|dmarc|arc|ptr|helo)=([a-z]+)\b/g)) last.set(m[1]!, m[2]!);
  if (SENDER_AUTH_ASPECTS.some((a) => !last.has(a))) return undefined;
  return SENDER_AUTH_ASPECTS.filter((a) => FAILING_RESULTS[a].has(last.get(a)!));
}
