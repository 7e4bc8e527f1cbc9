import { authenticate } from "mailauth";
import type { SenderAuthAspect } from "../../config/hygiene.js";
import type { ServiceOf } from "../../config/services.js";
import { ProbeError, type ErrorCode } from "../../contract/errors.js";
import { FAILING_RESULTS } from "../../contract/sender-auth.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { CheckContext, CheckKind } from "../kinds/kind.js";
import type { HygieneDns } from "./dns.js";
import { forwardConfirmed, heloVerdict } from "./fcrdns.js";
import type { SenderAuthMetrics } from "./metrics.js";

/**
 * Authentication of the operator's real outbound mail, judged on each probe message the operator's
 * MTA hands to the agent's sink: SPF (connecting IP, envelope domain), DKIM signatures, DMARC policy
 * and alignment, ARC when present (mailauth), forward-confirmed reverse DNS and the HELO name. A
 * result like any check's: the first failing required aspect is its code, every aspect a detail.
 */

/** One message as the sink saw it: the connection's facts and the message itself. */
export interface SinkMessage {
  /** The connecting IP (the operator's outbound MTA). */
  ip: string;
  /** The name it greeted with (EHLO/HELO). */
  helo: string;
  /** The envelope sender (MAIL FROM), "" for a bounce. */
  mailFrom: string;
  /** The whole message as received (header and body), at most the sink's size limit. */
  raw: Buffer;
}

/** What each aspect came to, in RFC 8601 words (pass, fail, softfail, none, ...) or missing/mismatch. */
export type AspectResults = Record<SenderAuthAspect, string>;

/** Results that fail an aspect: shared with the collector's report (contract/sender-auth.ts). */
const FAILING = FAILING_RESULTS;

/** The code of a failing aspect; the order of this list is the order failures are reported in. */
const CODE: [SenderAuthAspect, (result: string) => ErrorCode][] = [
  ["spf", () => "spf-fail"],
  ["dkim", () => "dkim-fail"],
  ["dmarc", () => "dmarc-fail"],
  ["arc", () => "arc-fail"],
  ["ptr", (r) => (r === "missing" ? "ptr-missing" : "ptr-mismatch")],
  ["helo", () => "helo-mismatch"],
];

const TEMPORARY = new Set(["temperror"]);

/** The best DKIM result of the message's signatures: pass if any passes, else the first's, else none. */
function dkimOf(r: Awaited<ReturnType<typeof authenticate>>): { result: string; comment: string } {
  const sigs = r.dkim.results ?? [];
  const pass = sigs.find((s) => s.status.result === "pass");
  const pick = pass ?? sigs[0];
  if (!pick) return { result: "none", comment: "no DKIM signature" };
  const who = `d=${pick.signingDomain ?? "?"} s=${pick.selector ?? "?"}`;
  return {
    result: pick.status.result,
    comment: `${who}${pick.status.comment ? `: ${pick.status.comment}` : ""}`,
  };
}

/** Judges one message; `mta` names this agent in mailauth's Authentication-Results. */
export async function judgeMessage(
  msg: SinkMessage,
  dns: HygieneDns,
  ctx: Pick<CheckContext, "phase">,
  mta: string,
): Promise<{ results: AspectResults; comments: Partial<Record<SenderAuthAspect, string>> }> {
  const auth = await ctx.phase("dmarc", () =>
    authenticate(msg.raw, {
      ip: msg.ip,
      helo: msg.helo,
      sender: msg.mailFrom,
      mta,
      resolver: (name, rrtype) => dns.resolve(name, rrtype),
      disableBimi: true,
    }),
  );
  const dkim = dkimOf(auth);
  const ptr = await ctx.phase("ptr", () => forwardConfirmed(msg.ip, dns));
  const helo = await ctx.phase("helo", () => heloVerdict(msg.helo, msg.ip, dns));
  const spf = auth.spf ? auth.spf.status : { result: "none", comment: "no SPF result" };
  const dmarc = auth.dmarc ? auth.dmarc.status : { result: "none", comment: "no DMARC record" };
  const arc = auth.arc ? auth.arc.status : { result: "none" };
  return {
    results: {
      spf: spf.result,
      dkim: dkim.result,
      dmarc: dmarc.result,
      arc: arc.result,
      ptr: ptr.result,
      helo: helo.result,
    },
    comments: {
      ...(spf.comment ? { spf: spf.comment } : {}),
      dkim: dkim.comment,
      ...(dmarc.comment ? { dmarc: dmarc.comment } : {}),
      ...(auth.dmarc && auth.dmarc.policy ? { dmarcPolicy: auth.dmarc.policy } : {}),
      ptr: ptr.confirmed ?? (ptr.names.join(" ") || "no PTR"),
      helo: helo.comment,
    },
  };
}

/**
 * The check kind of one sink message: `run` judges that message for a `sender-auth` service. A DNS
 * answer that did not come (temperror) fails with `dns-temporary` rather than a verdict.
 */
export function senderAuthCheck(
  msg: SinkMessage,
  dns: HygieneDns,
  mta: string,
  metrics?: SenderAuthMetrics,
): CheckKind<"sender-auth"> {
  return {
    kind: "sender-auth",
    async run(service: ServiceOf<"sender-auth">, ctx): Promise<CheckOutcome> {
      const { results, comments } = await judgeMessage(msg, dns, ctx, mta);
      metrics?.observe(service.name, (a) => FAILING[a].has(results[a]) || TEMPORARY.has(results[a]));
      const summary = Object.entries(results)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      const required = new Set(service.require);
      for (const [aspect, code] of CODE) {
        if (!required.has(aspect)) continue;
        const result = results[aspect];
        if (TEMPORARY.has(result))
          throw new ProbeError("dns-temporary", aspect, `${aspect}=temperror from ${msg.ip}: ${summary}`);
        if (FAILING[aspect].has(result)) {
          const why = comments[aspect] ? ` (${comments[aspect]})` : "";
          throw new ProbeError(code(result), aspect, `${aspect}=${result}${why} from ${msg.ip}: ${summary}`);
        }
      }
      const notes = Object.fromEntries(Object.entries(comments).map(([k, v]) => [`${k}Note`, v]));
      return { details: { ...results, ip: msg.ip, heloName: msg.helo.slice(0, 200), ...notes } };
    },
  };
}
