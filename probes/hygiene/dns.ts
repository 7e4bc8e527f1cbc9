import { Resolver } from "node:dns/promises";
import { isIPv4, isIPv6 } from "node:net";
import type { DnsOptions } from "../../config/hygiene.js";
import { codedError } from "../../contract/errors.js";

/**
 * DNS for the sender-hygiene checks, through the resolvers the configuration names (`dns.servers`)
 * or the host's. Exists so every hygiene query goes one way, with one timeout, and so "no such
 * record" (an answer) is told apart from "no answer" (a timeout or SERVFAIL: `dns-temporary`).
 */

/** Codes node:dns gives for a definite "no such name / no such record". */
const NO_RECORD = new Set(["ENOTFOUND", "ENODATA"]);

/** The queries the hygiene checks make. */
export interface HygieneDns {
  /** `dns.promises.resolve`-shaped, what mailauth calls for SPF, DKIM keys and DMARC records. */
  resolve(name: string, rrtype: string): Promise<unknown>;
  /** PTR names of an IP, [] when it has none. Not `Resolver#reverse`, which reads /etc/hosts first. */
  ptr(ip: string): Promise<string[]>;
  /** A and AAAA addresses of a name, [] when it has none. */
  addresses(name: string): Promise<string[]>;
  /** A records with their TTL (seconds), [] when there are none: DNSBL answers. */
  aWithTtl(name: string): Promise<{ address: string; ttl: number }[]>;
  /** TXT strings of a name, joined per record, [] when there are none. */
  txt(name: string): Promise<string[]>;
  /** MX host names of a domain, lowest preference first, [] when it has none. */
  mx(name: string): Promise<string[]>;
}

/** The reverse-DNS name of an IPv4 or IPv6 address (x.x.x.x.in-addr.arpa, nibbles.ip6.arpa). */
export function arpaName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const [head = "", tail = ""] = ip.split("::");
  const groups = (s: string) => (s ? s.split(":") : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const hex = all.map((g) => g.padStart(4, "0")).join("");
  return `${[...hex].reverse().join(".")}.ip6.arpa`;
}

/** `[]` for a definite "none", the value otherwise; a missing answer becomes `dns-temporary`. */
async function orNone<T>(query: string, p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (NO_RECORD.has(code)) return [];
    throw codedError("dns-temporary", `no DNS answer for ${query} (${code || String(err)})`);
  }
}

/** The hygiene DNS of one service's `dns` options. */
export function hygieneDns(o: DnsOptions): HygieneDns {
  const resolver = new Resolver({ timeout: o.timeout, tries: 2 });
  if (o.servers) resolver.setServers(o.servers);
  return {
    resolve: (name, rrtype) => resolver.resolve(name, rrtype),
    ptr: (ip) => orNone(`PTR ${ip}`, resolver.resolvePtr(arpaName(ip))),
    async addresses(name) {
      const [v4, v6] = await Promise.all([
        orNone(`A ${name}`, resolver.resolve4(name)),
        orNone(`AAAA ${name}`, resolver.resolve6(name)),
      ]);
      return [...v4, ...v6];
    },
    aWithTtl: (name) => orNone(`A ${name}`, resolver.resolve4(name, { ttl: true })),
    txt: async (name) => (await orNone(`TXT ${name}`, resolver.resolveTxt(name))).map((r) => r.join("")),
    mx: async (name) =>
      (await orNone(`MX ${name}`, resolver.resolveMx(name)))
        .sort((a, b) => a.priority - b.priority)
        .map((r) => r.exchange.replace(/\.$/, "").toLowerCase()),
  };
}
