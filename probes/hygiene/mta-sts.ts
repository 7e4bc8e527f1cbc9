import { readFileSync } from "node:fs";
import { request } from "node:https";
import { rootCertificates } from "node:tls";
import type { MtaStsOptions } from "../../config/hygiene.js";
import { SmtpDialog } from "../net/smtp-dialog.js";
import type { HygieneDns } from "./dns.js";

/**
 * MTA-STS (RFC 8461) of one sending domain, as a sender that enforces it sees it: the `_mta-sts` TXT
 * record, the policy at `https://mta-sts.<domain>/.well-known/mta-sts.txt` (certificate verified, no
 * redirect followed, `text/plain`, at most 64 KiB), its fields, and each MX host of the domain matched
 * against the policy's `mx` patterns and reached with STARTTLS to see a certificate valid for its
 * name. Exists so an operator learns that senders will refuse to deliver before they do.
 */

/** RFC 8461 3.3: policies larger than this are refused. */
const MAX_POLICY_BYTES = 64 * 1024;
const MODES = { none: 0, testing: 1, enforce: 2 } as const;

/** A parsed MTA-STS policy (RFC 8461 3.2). */
export interface MtaStsPolicy {
  mode: keyof typeof MODES;
  mx: string[];
  maxAge: number;
}

/** One problem: the code the dns-policy check fails with and the operator's words. */
export interface MtaStsProblem {
  code: "mta-sts-policy" | "mta-sts-mx";
  text: string;
}

/** Parses a policy body, or says what is wrong with it. */
export function parseMtaStsPolicy(body: string): MtaStsPolicy | { problem: string } {
  const fields = new Map<string, string[]>();
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const m = /^([a-z0-9_]+):\s*(.*?)\s*$/i.exec(line);
    if (!m) return { problem: `policy line not "key: value": ${JSON.stringify(line.slice(0, 60))}` };
    fields.set(m[1]!.toLowerCase(), [...(fields.get(m[1]!.toLowerCase()) ?? []), m[2]!]);
  }
  if (fields.get("version")?.[0] !== "STSv1") return { problem: "policy version is not STSv1" };
  const mode = fields.get("mode")?.[0];
  if (mode !== "none" && mode !== "testing" && mode !== "enforce")
    return { problem: `policy mode ${JSON.stringify(mode ?? "")} is not none, testing or enforce` };
  const maxAge = Number(fields.get("max_age")?.[0]);
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 31_557_600)
    return { problem: "policy max_age is missing or not 0..31557600 seconds" };
  const mx = (fields.get("mx") ?? []).map((p) => p.toLowerCase().replace(/\.$/, ""));
  if (mode !== "none" && mx.length === 0) return { problem: "policy lists no mx pattern" };
  return { mode, mx, maxAge };
}

/** RFC 8461 4.1: `mx.example.com` matches itself, `*.example.com` exactly one more leftmost label. */
export function mxMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (!pattern.startsWith("*.")) return h === pattern;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === pattern.slice(2);
}

/** The trust anchors as one PEM bundle: the system's roots plus the configured CA file, read at each run. */
function trustAnchors(o: MtaStsOptions): string | undefined {
  return o.caFile ? [...rootCertificates, readFileSync(o.caFile, "utf8")].join("\n") : undefined;
}

/** GETs the policy from `ip` as `mta-sts.<domain>`; resolves to the body, or a problem. */
function fetchPolicy(
  domain: string,
  ip: string,
  o: MtaStsOptions,
  signal: AbortSignal,
): Promise<string | { problem: string }> {
  const host = `mta-sts.${domain}`;
  const ca = trustAnchors(o);
  return new Promise((resolve) => {
    const req = request(
      {
        host: ip,
        port: o.httpsPort,
        path: "/.well-known/mta-sts.txt",
        servername: host,
        headers: { host },
        rejectUnauthorized: true,
        ...(ca ? { ca } : {}),
        signal,
        agent: false,
      },
      (res) => {
        const type = String(res.headers["content-type"] ?? "");
        if (res.statusCode !== 200 || !/^text\/plain(\s*;|$)/i.test(type)) {
          res.resume();
          resolve({ problem: `https://${host}/.well-known/mta-sts.txt answered ${res.statusCode} ${type}` });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_POLICY_BYTES) {
            res.destroy();
            resolve({ problem: `the policy at https://${host}/ is larger than 64 KiB` });
          } else chunks.push(c);
        });
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.on("error", (err) => resolve({ problem: `reading https://${host}/: ${err.message}` }));
      },
    );
    req.on("error", (err) =>
      resolve({ problem: `https://${host}/.well-known/mta-sts.txt: ${err.message.slice(0, 160)}` }),
    );
    req.end();
  });
}

/** Connects to the MX at `ip`, says EHLO, STARTTLS and verifies the certificate for `mx`. */
async function mxCertificate(
  mx: string,
  ip: string,
  o: MtaStsOptions,
  ehloName: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  let dialog: SmtpDialog | undefined;
  try {
    dialog = await SmtpDialog.connect({ host: ip, port: o.smtpPort, signal });
    await dialog.banner();
    const ehlo = await dialog.ehlo(ehloName);
    if (!ehlo.starttls) return `MX ${mx} (${ip}) does not offer STARTTLS`;
    const ca = trustAnchors(o);
    await dialog.starttls({ verify: true, servername: mx, ...(ca ? { ca } : {}) });
    await dialog.quit().catch(() => undefined);
    return undefined;
  } catch (err) {
    return `MX ${mx} (${ip}): ${(err as Error).message.slice(0, 160)}`;
  } finally {
    dialog?.close();
  }
}

/**
 * Every MTA-STS problem of `domain`, [] when a sender enforcing MTA-STS would deliver to each of its
 * MX hosts. A missing DNS answer throws `dns-temporary` (no verdict), as the other policy checks do.
 */
export async function mtaStsProblems(
  domain: string,
  o: MtaStsOptions,
  dns: HygieneDns,
  ehloName: string,
  signal: AbortSignal,
): Promise<MtaStsProblem[]> {
  const policyProblem = (text: string): MtaStsProblem[] => [{ code: "mta-sts-policy", text }];
  const records = (await dns.txt(`_mta-sts.${domain}`)).filter((r) => /^v=STSv1\s*;/i.test(r));
  if (records.length !== 1 || !/(^|;)\s*id=[a-z0-9]{1,32}\s*(;|$)/i.test(records[0]!))
    return policyProblem(
      `_mta-sts.${domain} has ${records.length === 1 ? "an invalid" : records.length === 0 ? "no" : "several"} MTA-STS record${records.length > 1 ? "s" : ""}`,
    );
  const [ip] = await dns.addresses(`mta-sts.${domain}`);
  if (!ip) return policyProblem(`mta-sts.${domain} has no address`);
  const body = await fetchPolicy(domain, ip, o, signal);
  if (typeof body !== "string") return policyProblem(body.problem);
  const policy = parseMtaStsPolicy(body);
  if ("problem" in policy) return policyProblem(`${domain}: ${policy.problem}`);
  if (MODES[policy.mode] < MODES[o.mode])
    return policyProblem(`${domain}'s MTA-STS mode is ${policy.mode}, weaker than ${o.mode}`);
  if (!o.checkMx) return [];
  const problems: MtaStsProblem[] = [];
  const mxs = (await dns.mx(domain)).filter((h) => h !== "");
  if (mxs.length === 0) return [{ code: "mta-sts-mx", text: `${domain} has no MX record` }];
  for (const mx of mxs) {
    if (!policy.mx.some((p) => mxMatches(mx, p))) {
      problems.push({
        code: "mta-sts-mx",
        text: `MX ${mx} matches none of ${domain}'s MTA-STS mx patterns (${policy.mx.join(", ")})`,
      });
      continue;
    }
    const [mxIp] = await dns.addresses(mx);
    const bad = mxIp ? await mxCertificate(mx, mxIp, o, ehloName, signal) : `MX ${mx} has no address`;
    if (bad) problems.push({ code: "mta-sts-mx", text: bad });
  }
  return problems;
}
