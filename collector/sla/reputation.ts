import type { Interval } from "./intervals.js";

/**
 * The sender reputation of a month (issue 14): eight pass/fail rows, each from the clause or note of
 * the ISC E-mail Marketing Specification V1.2 (or SPEC 7.1.15) it comes from, judged from the
 * sender-hygiene check results (config/hygiene.ts) by the same rule as every other verdict
 * (collector/sla/evidence.ts): a failure seen is FAIL whatever the coverage; PASS only when results
 * vouched for (nearly) the whole month; otherwise UNPROVEN, saying why. Pure: the results are read
 * by the caller (collector/report/reputation-source.ts).
 */

/** The rows, in the order the report shows them. */
export const REPUTATION_ROWS = [
  "spf",
  "dkim",
  "dmarc",
  "ptr",
  "blocklists",
  "roleAddresses",
  "sendingLimits",
  "dnsPolicy",
] as const;
/** One row of the section, by key: what the model, the CSV and the tests name a row by. */
export type ReputationRowKey = (typeof REPUTATION_ROWS)[number];

/** A sender-auth aspect (config/hygiene.ts SENDER_AUTH_ASPECTS), as this module needs it. */
type Aspect = "spf" | "dkim" | "dmarc" | "arc" | "ptr" | "helo";

/** Where a row's evidence comes from: the check kinds, the codes that fail it, the sender-auth aspects. */
interface RowSource {
  readonly title: string;
  /** The clause or note of the marketing specification (or SPEC) the row comes from, as the report prints it. */
  readonly clause: string;
  /** What the clause asks, in a few words. */
  readonly asks: string;
  /** sender-auth aspects judged by this row (from each message). */
  readonly aspects: readonly Aspect[];
  /** Other kinds, each with the codes that fail this row; `"*"`: any failure of the kind. */
  readonly kinds: Readonly<Record<string, readonly string[] | "*">>;
}

/** Each row's source: what the report's reader can check against the specification's text. */
export const REPUTATION_SOURCES: Readonly<Record<ReputationRowKey, RowSource>> = {
  spf: {
    title: "SPF",
    clause: "2.2.2, note 14",
    asks: "SPF published for the sending domains",
    aspects: ["spf"],
    kinds: { "dns-policy": ["spf-record"] },
  },
  dkim: {
    title: "DKIM",
    clause: "2.2.3, note 15",
    asks: "DKIM recommended",
    aspects: ["dkim", "arc"],
    kinds: { "dns-policy": ["dkim-key-missing"] },
  },
  dmarc: {
    title: "DMARC",
    clause: "2.2.3, note 16",
    asks: "DMARC recommended",
    aspects: ["dmarc"],
    kinds: { "dns-policy": ["dmarc-record"] },
  },
  ptr: {
    title: "PTR (forward-confirmed) and HELO",
    clause: "2.2.1, 2.2.2, notes 12, 13, 19",
    asks: "static sending IPs with reverse resolution; HELO name",
    aspects: ["ptr", "helo"],
    kinds: {},
  },
  blocklists: {
    title: "Blocklists (RBL/DNSBL)",
    clause: "2.2.4, note 17",
    asks: "sending IPs and domains watched on RBLs, delisted in time",
    aspects: [],
    kinds: { dnsbl: "*" },
  },
  roleAddresses: {
    title: "postmaster@ and abuse@",
    clause: "2.2.6",
    asks: "role accounts effective",
    aspects: [],
    kinds: { "role-addresses": "*" },
  },
  sendingLimits: {
    title: "Per-user sending limits",
    clause: "SPEC 7.1.15; 2.6.5, note 10",
    asks: "users' sending frequency and volume limited",
    aspects: [],
    kinds: { "sending-limit": "*" },
  },
  dnsPolicy: {
    title: "Published DNS policy (SPF, DMARC, DKIM keys, TLS-RPT, MTA-STS)",
    clause: "2.2",
    asks: "domain records correct and complete (MTA-STS, TLS-RPT: beyond the text)",
    aspects: [],
    kinds: { "dns-policy": "*" },
  },
};

/** Codes that are no verdict either way: the result vouches for nothing. */
const NO_VERDICT = new Set(["dns-temporary", "dnsbl-refused", "login-delay", "timeout", "internal"]);

/** One hygiene service as the rows need it. */
export interface ReputationService {
  readonly name: string;
  readonly kind: string;
  /** sender-auth: the aspects whose failure fails the check; others are not judged here. */
  readonly require?: readonly string[];
  /** How long one result vouches for: at least an hour, else the staleness of its interval. */
  readonly freshMs: number;
}

/** One stored hygiene result. */
export interface ReputationResult {
  readonly service: string;
  readonly vantage: string;
  readonly at: number;
  readonly ok: boolean;
  readonly code: string | null;
  /**
   * sender-auth: the aspects the message failed, read from the result's message
   * (`spf=pass dkim=fail ...`); absent when not read (then the code alone names one).
   */
  readonly failedAspects?: readonly string[];
  /** The result's message, cut short, for the evidence of a failure. */
  readonly message?: string;
}

/** What the month's reputation is computed from. */
export interface ReputationInput {
  readonly services: readonly ReputationService[];
  /** Every result of those services in the month (any order). */
  readonly results: readonly ReputationResult[];
}

/** One row's verdict. */
export interface ReputationRow {
  readonly key: ReputationRowKey;
  readonly title: string;
  readonly clause: string;
  readonly asks: string;
  readonly verdict: "pass" | "fail" | "unproven";
  /** Why, in words: what failed and when, how much of the month was seen, or what is missing. */
  readonly evidence: string;
  /** Results that judged the row, and those among them that failed it. */
  readonly results: number;
  readonly failed: number;
  /** Share of the month some result vouched for (0..1), null without results. */
  readonly coverage: number | null;
  /** The services that judged the row. */
  readonly services: string[];
}

/** sender-auth codes by aspect: the code a result fails with names its first failing aspect. */
const ASPECT_CODES: Readonly<Record<Aspect, readonly string[]>> = {
  spf: ["spf-fail"],
  dkim: ["dkim-fail"],
  dmarc: ["dmarc-fail"],
  arc: ["arc-fail"],
  ptr: ["ptr-missing", "ptr-mismatch"],
  helo: ["helo-mismatch"],
};

/** Share of `range` covered by `[at, at + fresh)` of the results. */
function coverageOf(spans: { at: number; freshMs: number }[], range: Interval): number {
  const length = range.end - range.start;
  if (length <= 0) return spans.length > 0 ? 1 : 0;
  const sorted = spans
    .map((s) => ({ start: Math.max(range.start, s.at), end: Math.min(range.end, s.at + s.freshMs) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let reach = range.start;
  for (const s of sorted) {
    if (s.end <= reach) continue;
    covered += s.end - Math.max(s.start, reach);
    reach = s.end;
  }
  return covered / length;
}

/** How a result bears on a row: fails it, vouches for it, or says nothing about it. */
function bearing(row: RowSource, service: ReputationService, r: ReputationResult): "fail" | "pass" | "none" {
  if (!r.ok && NO_VERDICT.has(r.code ?? "")) return "none";
  if (service.kind === "sender-auth") {
    const judged = row.aspects.filter((a) => !service.require || service.require.includes(a));
    if (judged.length === 0) return "none";
    if (r.ok) return "pass";
    const failed = r.failedAspects ?? [];
    if (judged.some((a) => failed.includes(a) || ASPECT_CODES[a].includes(r.code ?? ""))) return "fail";
    // the message lists every aspect: an aspect of this row not in it passed; without it, unknown
    return r.failedAspects ? "pass" : "none";
  }
  const codes = row.kinds[service.kind];
  if (!codes) return "none";
  if (r.ok) return "pass";
  if (codes === "*" || codes.includes(r.code ?? "")) return "fail";
  return "none"; // failed for another row's reason: this row's part is unknown
}

/** What failed this row in a result: its code, or for sender-auth the row's aspects that failed. */
function failure(row: RowSource, r: ReputationResult): string {
  const aspects = row.aspects.filter((a) => r.failedAspects?.includes(a));
  if (aspects.length === 0 || row.aspects.some((a) => ASPECT_CODES[a].includes(r.code ?? "")))
    return r.code ?? "failed";
  return `${aspects.join(", ")} failed`;
}

const PASS_COVERAGE = 0.99;

/**
 * The eight rows for `range` (the month, ending at `now` while it runs). `showTime` writes an
 * instant as the report does (the operator's zone).
 */
export function reputationRows(
  input: ReputationInput,
  range: Interval,
  showTime: (ms: number) => string,
): ReputationRow[] {
  const byName = new Map(input.services.map((s) => [s.name, s]));
  return REPUTATION_ROWS.map((key): ReputationRow => {
    const row = REPUTATION_SOURCES[key];
    const kinds = new Set([...(row.aspects.length ? ["sender-auth"] : []), ...Object.keys(row.kinds)]);
    const services = input.services.filter(
      (s) =>
        kinds.has(s.kind) &&
        (s.kind !== "sender-auth" || row.aspects.some((a) => !s.require || s.require.includes(a))),
    );
    const base = { key, title: row.title, clause: row.clause, asks: row.asks };
    const names = services.map((s) => s.name).sort();
    if (services.length === 0) {
      const wanted = [...kinds].join(" or ");
      return {
        ...base,
        verdict: "unproven",
        evidence: `not checked: no ${wanted} service is configured${row.aspects.length ? ` (or none requires ${row.aspects.join("/")})` : ""}`,
        results: 0,
        failed: 0,
        coverage: null,
        services: [],
      };
    }
    const judged: { r: ReputationResult; fail: boolean; freshMs: number }[] = [];
    for (const r of input.results) {
      const service = byName.get(r.service);
      if (!service || !names.includes(service.name)) continue;
      if (r.at < range.start || r.at >= range.end) continue;
      const b = bearing(row, service, r);
      if (b !== "none") judged.push({ r, fail: b === "fail", freshMs: service.freshMs });
    }
    judged.sort((a, b) => a.r.at - b.r.at);
    const failures = judged.filter((j) => j.fail);
    const coverage = judged.length
      ? coverageOf(
          judged.map((j) => ({ at: j.r.at, freshMs: j.freshMs })),
          range,
        )
      : null;
    const counts = { results: judged.length, failed: failures.length, coverage, services: names };
    if (failures.length > 0) {
      const first = failures[0]!.r;
      const last = judged.at(-1)!;
      const what = `${first.service} from ${first.vantage}: ${failure(row, first)}${first.message ? ` (${first.message})` : ""}`;
      const end = last.fail
        ? "still failing at the latest result"
        : `passing again since ${showTime(last.r.at)}`;
      return {
        ...base,
        verdict: "fail",
        evidence: `${failures.length} of ${judged.length} results failed, first ${showTime(first.at)}, ${what}; ${end}`,
        ...counts,
      };
    }
    if (judged.length === 0)
      return {
        ...base,
        verdict: "unproven",
        evidence: `no result of ${names.join(", ")} in the month`,
        ...counts,
      };
    const seen = `${judged.length} results, none failed, ${(100 * coverage!).toFixed(1)} % of the month seen`;
    if (coverage! < PASS_COVERAGE) {
      const hours = ((1 - coverage!) * (range.end - range.start)) / 3_600_000;
      return {
        ...base,
        verdict: "unproven",
        evidence: `${seen}: ${hours.toFixed(1)} h without a fresh result could hold a failure`,
        ...counts,
      };
    }
    return { ...base, verdict: "pass", evidence: seen, ...counts };
  });
}
