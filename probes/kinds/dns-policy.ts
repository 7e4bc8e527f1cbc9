import type { ServiceOf } from "../../config/services.js";
import { ProbeError, type ErrorCode } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import { hygieneDns, type HygieneDns } from "../hygiene/dns.js";
import { mtaStsProblems } from "../hygiene/mta-sts.js";
import type { CheckContext, CheckKind } from "./kind.js";

/**
 * The published DNS policy of each sending domain (docs/sender-hygiene.md): one valid SPF record that
 * needs at most 10 DNS lookups to evaluate (RFC 7208 4.6.4: receivers answer permerror beyond, and
 * the mail fails SPF everywhere), a DMARC record at least as strict as configured, a key for each
 * listed DKIM selector, a TLS-RPT record when asked for, and MTA-STS (probes/hygiene/mta-sts.ts) when
 * configured. Problems of every domain are reported
 * together; the code is the first kind of problem found, in that order.
 */

/** RFC 7208's limit on DNS-querying terms in one SPF evaluation. */
export const SPF_LOOKUP_LIMIT = 10;

const STRENGTH = { none: 0, quarantine: 1, reject: 2 } as const;

/** One problem found: its code and the operator's words. */
interface Problem {
  code: ErrorCode;
  text: string;
}

/** The one `v=spf1` record of a domain, or why there is none to use. */
async function spfRecord(dns: HygieneDns, domain: string): Promise<string | { problem: string }> {
  const records = (await dns.txt(domain)).filter((r) => /^v=spf1(\s|$)/i.test(r));
  if (records.length === 0) return { problem: `${domain} has no SPF record` };
  if (records.length > 1) return { problem: `${domain} has ${records.length} SPF records (permerror)` };
  return records[0]!;
}

/**
 * The DNS lookups evaluating `domain`'s SPF record costs (include, a, mx, ptr, exists, redirect, and
 * recursively what includes and redirects cost). Stops counting past the limit; terms with macros
 * count once and are not followed.
 */
export async function spfLookups(
  dns: HygieneDns,
  domain: string,
  depth = 0,
): Promise<number | { problem: string }> {
  const record = await spfRecord(dns, domain);
  if (typeof record !== "string") return record;
  let count = 0;
  for (const raw of record.split(/\s+/).slice(1)) {
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    const mechanism = /^[+\-~?]?([a-z0-9]+)(?:[:/](.*))?$/i.exec(raw);
    const name = (modifier?.[1] ?? mechanism?.[1] ?? "").toLowerCase();
    const arg = modifier ? modifier[2] : raw.includes(":") ? mechanism?.[2]?.split("/")[0] : undefined;
    if (modifier && name !== "redirect") continue; // exp= and unknown modifiers cost nothing
    if (!modifier && !["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"].includes(name))
      return { problem: `${domain}: unknown SPF term "${raw.slice(0, 40)}" (permerror)` };
    if (["a", "mx", "ptr", "exists"].includes(name)) count += 1;
    else if (name === "include" || name === "redirect") {
      count += 1;
      if (!arg || arg.includes("%") || depth >= SPF_LOOKUP_LIMIT) continue;
      const inner = await spfLookups(dns, arg, depth + 1);
      if (typeof inner !== "number") return { problem: `${name} ${arg} of ${domain}: ${inner.problem}` };
      count += inner;
    }
    if (count > SPF_LOOKUP_LIMIT) break;
  }
  return count;
}

async function checkDomain(
  service: ServiceOf<"dns-policy">,
  dns: HygieneDns,
  domain: string,
  ctx: CheckContext,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const spf = await spfLookups(dns, domain);
  if (typeof spf !== "number") problems.push({ code: "spf-record", text: spf.problem });
  else if (spf > SPF_LOOKUP_LIMIT)
    problems.push({
      code: "spf-record",
      text: `${domain}'s SPF record needs more than ${SPF_LOOKUP_LIMIT} DNS lookups (permerror)`,
    });
  const dmarc = (await dns.txt(`_dmarc.${domain}`)).filter((r) => /^v=DMARC1(\s*;|$)/i.test(r));
  const policy = /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)\s*(?:;|$)/i
    .exec(dmarc[0] ?? "")?.[1]
    ?.toLowerCase();
  if (dmarc.length !== 1 || !policy)
    problems.push({
      code: "dmarc-record",
      text: `${domain} has ${dmarc.length === 0 ? "no" : dmarc.length > 1 ? "several" : "an invalid"} DMARC record`,
    });
  else if (STRENGTH[policy as keyof typeof STRENGTH] < STRENGTH[service.dmarcPolicy])
    problems.push({
      code: "dmarc-record",
      text: `${domain}'s DMARC policy is p=${policy}, weaker than p=${service.dmarcPolicy}`,
    });
  for (const selector of service.dkimSelectors) {
    const key = (await dns.txt(`${selector}._domainkey.${domain}`)).find((r) => /(^|;)\s*p\s*=/i.test(r));
    const p = key ? /(?:^|;)\s*p\s*=\s*([^;]*)/i.exec(key)?.[1]?.trim() : undefined;
    if (!p)
      problems.push({
        code: "dkim-key-missing",
        text: `${selector}._domainkey.${domain} has ${key ? "a revoked" : "no"} key`,
      });
  }
  if (service.tlsRpt && !(await dns.txt(`_smtp._tls.${domain}`)).some((r) => /^v=TLSRPTv1\s*;/i.test(r)))
    problems.push({
      code: "tls-rpt-missing",
      text: `${domain} has no TLS-RPT record (_smtp._tls.${domain})`,
    });
  if (service.mtaSts)
    problems.push(...(await mtaStsProblems(domain, service.mtaSts, dns, ctx.ehloName, ctx.signal)));
  return problems;
}

async function run(service: ServiceOf<"dns-policy">, ctx: CheckContext): Promise<CheckOutcome> {
  const dns = hygieneDns(service.dns);
  const problems = await ctx.phase("policy", async () => {
    const all: Problem[] = [];
    for (const domain of service.domains) all.push(...(await checkDomain(service, dns, domain, ctx)));
    return all;
  });
  const first = problems[0];
  if (first)
    throw new ProbeError(
      first.code,
      "policy",
      `${problems.length} problem(s): ${problems.map((p) => p.text).join("; ")}`,
    );
  return {
    details: {
      domains: service.domains.length,
      selectors: service.dkimSelectors.length,
      mtaSts: service.mtaSts ? service.mtaSts.mode : "unchecked",
    },
  };
}

/** The published DNS policy check kind. */
export const dnsPolicyCheck: CheckKind<"dns-policy"> = { kind: "dns-policy", run };
