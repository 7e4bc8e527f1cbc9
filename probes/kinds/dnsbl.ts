import { isIP } from "node:net";
import type { DnsblList } from "../../config/hygiene.js";
import type { ServiceOf } from "../../config/services.js";
import { codedError, ProbeError } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import { arpaName, hygieneDns, type HygieneDns } from "../hygiene/dns.js";
import { sinkPeers } from "../hygiene/sink-peers.js";
import type { CheckContext, CheckKind } from "./kind.js";

/**
 * The DNS blocklist check: each configured outbound IP of the operator is looked up in each
 * configured list (`<reversed IP>.<zone>`, RFC 5782). An answer in 127.0.0.0/8 is a listing, named
 * with the list's meaning of that answer; 127.255.255.x is the list refusing the query (Spamhaus
 * answers so to public resolvers), no verdict. Answers are cached for their TTL within the
 * service's bounds and queries are paced at `maxQueriesPerSecond`, so an interval shorter than the
 * lists' TTLs costs them nothing.
 */

/** One cached answer: the A records (empty: not listed) until `expires` (agent clock, ms). */
interface Cached {
  addresses: string[];
  expires: number;
}

/** What a service keeps between runs: its resolver, the answers, when each listing was first seen. */
interface ServiceMemory {
  dns: HygieneDns;
  cache: Map<string, Cached>;
  firstSeen: Map<string, number>;
  /** When the next query may be sent (monotonic ms): the pacing. */
  nextQueryAt: number;
}

const memories = new Map<string, ServiceMemory>();

function memoryOf(service: ServiceOf<"dnsbl">): ServiceMemory {
  const key = JSON.stringify([service.name, service.dns]);
  let m = memories.get(key);
  if (!m)
    memories.set(
      key,
      (m = { dns: hygieneDns(service.dns), cache: new Map(), firstSeen: new Map(), nextQueryAt: 0 }),
    );
  return m;
}

/**
 * The query name of an IP or a domain in a zone: reversed octets (IPv4) or nibbles (IPv6), or the
 * domain itself, then the zone.
 */
export function dnsblName(subject: string, zone: string): string {
  const head = isIP(subject)
    ? arpaName(subject).replace(/\.(in-addr|ip6)\.arpa$/, "")
    : subject.replace(/\.$/, "");
  return `${head}.${zone.replace(/\.$/, "")}`;
}

/** Waits `ms` (nothing when <= 0), or rejects when the check is aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** One listing found. */
interface Listing {
  /** The listed IP or domain. */
  ip: string;
  list: DnsblList;
  answers: string[];
  firstSeen: number;
  reason?: string;
}

async function run(service: ServiceOf<"dnsbl">, ctx: CheckContext): Promise<CheckOutcome> {
  const m = memoryOf(service);
  const gapMs = 1000 / service.maxQueriesPerSecond;
  let queries = 0;
  let cached = 0;
  const listings: Listing[] = [];
  const refused: string[] = [];
  const lookup = async (name: string): Promise<string[]> => {
    const hit = m.cache.get(name);
    if (hit && hit.expires > ctx.clock.now()) {
      cached += 1;
      return hit.addresses;
    }
    await sleep(m.nextQueryAt - ctx.clock.monotonic(), ctx.signal);
    m.nextQueryAt = ctx.clock.monotonic() + gapMs;
    queries += 1;
    const answers = await m.dns.aWithTtl(name);
    const ttl = answers.length ? Math.min(...answers.map((a) => a.ttl)) * 1000 : service.minCache;
    const keepMs = Math.min(Math.max(ttl, service.minCache), service.maxCache);
    if (m.cache.size > 10_000) m.cache.clear();
    const addresses = answers.map((a) => a.address);
    m.cache.set(name, { addresses, expires: ctx.clock.now() + keepMs });
    return addresses;
  };
  const ips = [...new Set([...service.addresses, ...(service.sinkPeers ? sinkPeers() : [])])];
  await ctx.phase("dnsbl", async () => {
    for (const list of service.lists) {
      for (const ip of list.target === "ip" ? ips : service.domains) {
        const name = dnsblName(ip, list.zone);
        const addresses = await lookup(name);
        const key = `${ip}|${list.zone}`;
        const refuses = (a: string) => a.startsWith("127.255.255.") || list.refused.includes(a);
        if (addresses.some(refuses)) refused.push(`${list.name ?? list.zone}: ${addresses.join(",")}`);
        const answers = addresses.filter((a) => a.startsWith("127.") && !refuses(a));
        if (answers.length === 0) {
          m.firstSeen.delete(key);
          continue;
        }
        if (!m.firstSeen.has(key)) m.firstSeen.set(key, ctx.clock.now());
        listings.push({ ip, list, answers, firstSeen: m.firstSeen.get(key)! });
      }
    }
    for (const l of listings.slice(0, 5)) {
      if (ctx.signal.aborted) break;
      const txt = await m.dns.txt(dnsblName(l.ip, l.list.zone)).catch(() => []);
      if (txt[0]) l.reason = txt[0].slice(0, 200);
    }
  });
  const facts = {
    ...{ addresses: ips.length, domains: service.domains.length },
    ...{ lists: service.lists.length, queries, cached },
  };
  if (listings.length > 0) {
    const text = listings
      .map((l) => {
        const meaning = l.answers.map((a) => `${a} ${l.list.codes[a] ?? "listed"}`).join(", ");
        const since = new Date(l.firstSeen).toISOString();
        const delist = l.list.delistUrl ? `; delist: ${l.list.delistUrl}` : "";
        const why = l.reason ? `; "${l.reason}"` : "";
        return `${l.ip} on ${l.list.name ?? l.list.zone} (${meaning}) since ${since}${why}${delist}`;
      })
      .join("; ");
    throw new ProbeError("listed", "dnsbl", `${listings.length} listing(s): ${text}`);
  }
  if (refused.length > 0) throw codedError("dnsbl-refused", `refused: ${refused.join("; ")}`);
  return { details: facts };
}

/** The DNS blocklist check kind (docs/sender-hygiene.md). */
export const dnsblCheck: CheckKind<"dnsbl"> = { kind: "dnsbl", run };
