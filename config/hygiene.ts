import { isIP } from "node:net";
import { z } from "zod";
import { Duration } from "./duration.js";

/**
 * The sender-hygiene check kinds (docs/sender-hygiene.md): whether other providers can trust the
 * operator's outbound mail. They describe reputation, not availability, so the SLA engine leaves
 * their results out of fault time (collector/sla/timeline.ts reads {@link countsForAvailability}).
 */

/** The IP of a resolver written as `IP`, `IPv4:PORT` or `[IPv6]:PORT`; undefined for anything else. */
function resolverIp(s: string): string | undefined {
  if (isIP(s)) return s;
  const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/i.exec(s) ?? /^([0-9.]+):(\d{1,5})$/.exec(s);
  if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) return undefined;
  return isIP(m[1]!) ? m[1] : undefined;
}

/**
 * Where the hygiene checks send their DNS queries: `servers` (`IP`, `IP:PORT` or `[IPv6]:PORT`, as
 * node:dns `Resolver#setServers` takes them) or, when absent, the host's resolvers; `timeout` per
 * query. Exists so an operator can point them at a resolver of their own (a DNSBL refuses queries
 * that arrive through big public resolvers) and the tests at their own name server.
 */
export const DnsOptions = z.strictObject({
  servers: z
    .array(
      z.string().refine((v) => resolverIp(v) !== undefined, {
        error:
          "expected an IP address, IPv4:PORT or [IPv6]:PORT (not a name: the resolver is what resolves names)",
      }),
    )
    .min(1)
    .max(8)
    .optional(),
  timeout: Duration.default(5000),
});
export type DnsOptions = z.infer<typeof DnsOptions>;

/** What the sink's sender-authentication check judges on each probe message (see ASPECTS). */
export const SENDER_AUTH_ASPECTS = ["spf", "dkim", "dmarc", "arc", "ptr", "helo"] as const;
export type SenderAuthAspect = (typeof SENDER_AUTH_ASPECTS)[number];

/**
 * Authentication of the operator's real outbound mail, judged on every probe message a send delivery
 * makes the operator's MTA hand to the agent's sink: SPF, DKIM, DMARC, ARC (when present), the
 * connecting IP's forward-confirmed reverse DNS and the HELO name. Runs on arrival, not on a timer.
 * `require` lists the aspects whose failure fails the check; the others are reported only.
 */
export const SenderAuthService = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'"),
  segments: z.array(z.string()).min(1).optional(),
  vantagePoints: z.array(z.string()).min(1).optional(),
  interval: Duration.optional(),
  timeout: Duration.optional(),
  kind: z.literal("sender-auth"),
  require: z
    .array(z.enum(SENDER_AUTH_ASPECTS))
    .min(1)
    .default([...SENDER_AUTH_ASPECTS]),
  dns: DnsOptions.default({ timeout: 5000 }),
});

const ipAddress = z.string().refine((s) => isIP(s) !== 0, { error: "expected an IPv4 or IPv6 address" });
const zoneName = z
  .string()
  .regex(/^([a-z0-9-]+\.)+[a-z0-9-]+\.?$/i, "expected a DNS zone such as zen.spamhaus.org");

/**
 * One DNS blocklist: its zone, a name for humans, what each answer (127.0.0.x) means, and where to
 * ask for delisting (the runbook links it). An answer not in `codes` is still a listing.
 */
export const DnsblList = z.strictObject({
  zone: zoneName,
  name: z.string().min(1).max(60).optional(),
  /** What the list holds: IP addresses (Spamhaus ZEN, SpamCop) or domains (Spamhaus DBL, URIBL, SURBL). */
  target: z.enum(["ip", "domain"]).default("ip"),
  codes: z.record(ipAddress, z.string().min(1).max(200)).default({}),
  /** Answers that mean "query refused" besides 127.255.255.x (URIBL answers 127.0.0.1). */
  refused: z.array(ipAddress).max(10).default([]),
  delistUrl: z.url().optional(),
});
export type DnsblList = z.infer<typeof DnsblList>;

/**
 * The operator's outbound IPs and sending domains queried against DNS blocklists (each list holds
 * one or the other: `target`). A listed address or domain fails the check
 * (`listed`) naming the list and the meaning of its answer. Answers are cached for their TTL (within
 * `minCache`..`maxCache`) and queries are paced at `maxQueriesPerSecond`, whatever the interval.
 */
export const DnsblService = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'"),
    segments: z.array(z.string()).min(1).optional(),
    vantagePoints: z.array(z.string()).min(1).optional(),
    interval: Duration.optional(),
    timeout: Duration.optional(),
    kind: z.literal("dnsbl"),
    addresses: z.array(ipAddress).max(64).default([]),
    /** Also look up every IP the operator's MTAs delivered this agent's send probes from (the sink). */
    sinkPeers: z.boolean().default(false),
    /** The operator's sending domains, for the lists of `target: domain`. */
    domains: z
      .array(z.string().regex(/^([a-z0-9-]+\.)+[a-z0-9-]+$/i, "expected a domain name"))
      .max(64)
      .default([]),
    lists: z.array(DnsblList).min(1).max(32),
    dns: DnsOptions.default({ timeout: 5000 }),
    maxQueriesPerSecond: z.number().positive().max(1000).default(10),
    minCache: Duration.default(60_000),
    maxCache: Duration.default(86_400_000),
  })
  .superRefine((s, ctx) => {
    for (const [i, l] of s.lists.entries()) {
      const what = l.target === "ip" ? "addresses" : "domains";
      if (s[what].length === 0 && !(l.target === "ip" && s.sinkPeers))
        ctx.addIssue({
          code: "custom",
          path: ["lists", i, "target"],
          message: `a list of ${l.target}s needs ${what}${l.target === "ip" ? " or sinkPeers" : ""} to look up`,
        });
    }
  });

const PORT_RANGE = "expected a port number between 1 and 65535";
const Port = z.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65535, PORT_RANGE);

/**
 * MTA-STS (RFC 8461) of each sending domain, checked when this is present: the `_mta-sts` TXT record,
 * the policy fetched over HTTPS from `mta-sts.<domain>` (certificate verified), its mode at least
 * `mode`, and every MX host of the domain matching the policy's `mx` patterns and presenting, after
 * STARTTLS, a certificate valid for its name. Exists because senders that enforce MTA-STS refuse to
 * deliver to an MX the policy does not cover. `caFile` adds trust anchors (a private CA); `httpsPort`
 * and `smtpPort` move the policy server and the MXs off 443 and 25, for a test or a proxy only.
 */
export const MtaStsOptions = z.strictObject({
  mode: z.enum(["testing", "enforce"]).default("enforce"),
  checkMx: z.boolean().default(true),
  caFile: z.string().min(1).optional(),
  httpsPort: Port.default(443),
  smtpPort: Port.default(25),
});
/** The parsed `mtaSts` options, as the dns-policy check reads them. */
export type MtaStsOptions = z.infer<typeof MtaStsOptions>;

const domainName = z.string().regex(/^([a-z0-9-]+\.)+[a-z0-9-]+$/i, "expected a domain name");

/**
 * The DNS policy each sending domain publishes, checked on a schedule: one valid SPF record needing
 * at most 10 DNS lookups (RFC 7208 4.6.4), a DMARC record with at least the policy `dmarcPolicy`,
 * a key for each listed DKIM selector, a TLS-RPT record when `tlsRpt` is set, and MTA-STS with the
 * MX hosts' certificates when `mtaSts` is given.
 */
export const DnsPolicyService = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'"),
  segments: z.array(z.string()).min(1).optional(),
  vantagePoints: z.array(z.string()).min(1).optional(),
  interval: Duration.optional(),
  timeout: Duration.optional(),
  kind: z.literal("dns-policy"),
  domains: z.array(domainName).min(1).max(50),
  dkimSelectors: z
    .array(z.string().regex(/^[a-z0-9._-]+$/i, "expected a DKIM selector"))
    .max(10)
    .default([]),
  dmarcPolicy: z.enum(["none", "quarantine", "reject"]).default("none"),
  tlsRpt: z.boolean().default(false),
  mtaSts: MtaStsOptions.optional(),
  dns: DnsOptions.default({ timeout: 5000 }),
});

/** The kinds that judge reputation, not availability: their results are never fault time. */
export const REPUTATION_KINDS: ReadonlySet<string> = new Set([
  ...["sender-auth", "dnsbl", "role-addresses", "dns-policy", "sending-limit"],
]);

/** Whether results of a check kind take part in the SLA's up/down states (7.1.2-7.1.5, 7.1.10). */
export function countsForAvailability(kind: string): boolean {
  return !REPUTATION_KINDS.has(kind);
}

/** Kinds whose results come from events (the sink's arrivals), never from the scheduler. */
export const EVENT_KINDS: ReadonlySet<string> = new Set(["sender-auth"]);
