import { isIP } from "node:net";
import type { HygieneDns } from "./dns.js";

/**
 * Forward-confirmed reverse DNS of the operator's sending IP and the check of its HELO name: large
 * providers refuse or junk mail from an IP without a PTR, or whose PTR name does not lead back to it
 * (the ISC marketing specification 2.2 asks for PTR records on sending servers).
 */

/** What the reverse DNS of one IP came to. */
export interface PtrVerdict {
  result: "pass" | "missing" | "mismatch";
  /** The PTR names (at most 10 are followed). */
  names: string[];
  /** The first PTR name whose A/AAAA records include the IP. */
  confirmed?: string;
}

const same = (a: string, b: string) => a.replace(/^::ffff:/i, "") === b.replace(/^::ffff:/i, "");

/** PTR -> A/AAAA -> the same IP; a DNS that does not answer throws `dns-temporary`. */
export async function forwardConfirmed(ip: string, dns: HygieneDns): Promise<PtrVerdict> {
  const names = (await dns.ptr(ip)).slice(0, 10);
  if (names.length === 0) return { result: "missing", names };
  for (const name of names) {
    if ((await dns.addresses(name)).some((a) => same(a, ip)))
      return { result: "pass", names, confirmed: name };
  }
  return { result: "mismatch", names };
}

/** What the HELO name came to: a name that resolves to the connecting IP passes. */
export interface HeloVerdict {
  result: "pass" | "fail";
  comment: string;
}

/** The HELO/EHLO name must be a host name (not an address literal) whose A/AAAA include the IP. */
export async function heloVerdict(helo: string, ip: string, dns: HygieneDns): Promise<HeloVerdict> {
  const name = helo.trim().replace(/\.$/, "");
  if (!name) return { result: "fail", comment: "no HELO name" };
  if (name.startsWith("[") || isIP(name))
    return { result: "fail", comment: `HELO ${name} is an address literal` };
  if (!name.includes(".")) return { result: "fail", comment: `HELO ${name} is not a fully qualified name` };
  const addresses = await dns.addresses(name);
  if (addresses.some((a) => same(a, ip))) return { result: "pass", comment: `${name} resolves to ${ip}` };
  const got = addresses.length ? addresses.slice(0, 4).join(", ") : "nothing";
  return { result: "fail", comment: `HELO ${name} resolves to ${got}, not ${ip}` };
}
