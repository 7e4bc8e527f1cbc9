import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DeliveryDirection } from "../../config/delivery.js";
import type { ProbeError } from "../errors.js";
import { ProbeFailure } from "../result.js";
import { wallClockAllowance, type Elapsed, type InFlightRow, type Instant } from "./inflight.js";
import { TOKEN_PATTERN } from "./message.js";

/**
 * What one probe message came to: delivered (with its delay and the error bound of that delay),
 * delivered to spam, lost (7.1.12) or never taken over (send-failed). Agents put these in the outbox
 * as type "delivery"; the collector validates them with this same schema.
 */

/** How the end of a delay was seen; each has its own error bound (docs/delivery.md). */
export const Detection = z.enum([
  /** The operator's MTA connected to the sink (first message of the connection). */
  "sink-connect",
  /** MAIL FROM on a connection the MTA reused for a further message. */
  "sink-mail",
  /** An IMAP IDLE notification (EXISTS). */
  "imap-idle",
  /** An IMAP NOOP poll (the burst after sending, or a server without IDLE). */
  "imap-poll",
  /** A SEARCH after (re)connecting: arrived while the watcher was not connected. */
  "imap-search",
  /** A poll of a POP3 maildrop. */
  "pop3-poll",
]);
export type Detection = z.infer<typeof Detection>;

/** One `Received:` hop (probes/delivery/received.ts), supporting detail only. */
export const Hop = z.strictObject({
  from: z.string().max(200).optional(),
  by: z.string().max(200).optional(),
  with: z.string().max(50).optional(),
  at: z.number().int().optional(),
});

/** The four outcomes; only "delivered" is a success, "spam" is a delivery to the Junk folder. */
export const Outcome = z.enum(["delivered", "spam", "lost", "send-failed"]);
export type Outcome = z.infer<typeof Outcome>;

/** One delivery probe result. */
export const DeliveryResult = z
  .strictObject({
    /** Unique per result: the collector ingests idempotently by it. */
    id: z.uuid(),
    delivery: z.string().min(1),
    direction: DeliveryDirection,
    vantage: z.string().min(1),
    token: z.string().regex(TOKEN_PATTERN),
    /** When the operator took the message over (its 250 to DATA), or the attempt began for send-failed; Unix ms. */
    sentAt: z.number().int().nonnegative(),
    outcome: Outcome,
    /** From the 250 to DATA to the arrival (delivered, spam). */
    delaySeconds: z.number().nonnegative().optional(),
    /**
     * Error bound of `delaySeconds`: how much earlier than seen the message may have arrived (poll gap,
     * IDLE lag), the sink's event-loop allowance, and with `clock: "wall"` the wall-clock allowance.
     */
    errorBoundSeconds: z.number().nonnegative().optional(),
    /** Both ends on this process's monotonic clock, or wall time across an agent restart. */
    clock: z.enum(["monotonic", "wall"]).optional(),
    detection: Detection.optional(),
    /** Wall time the arrival was seen, Unix ms. */
    arrivedAt: z.number().int().nonnegative().optional(),
    /** Lost: how long it had been in flight when it was given up. */
    ageSeconds: z.number().nonnegative().optional(),
    /** The operator's queue id from the 250 reply, for its logs. */
    queueId: z.string().max(64).optional(),
    error: ProbeFailure.optional(),
    hops: z.array(Hop).max(30).optional(),
  })
  .superRefine((r, ctx) => {
    const need = (key: keyof typeof r, present: boolean) => {
      if ((r[key] !== undefined) !== present) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${present ? "required" : "not allowed"} when outcome is ${r.outcome}`,
        });
      }
    };
    const arrived = r.outcome === "delivered" || r.outcome === "spam";
    need("delaySeconds", arrived);
    need("errorBoundSeconds", arrived);
    need("clock", arrived);
    need("error", r.outcome === "send-failed");
  });
export type DeliveryResult = z.infer<typeof DeliveryResult>;

/** Queue id from a 250 reply such as "2.0.0 Ok: queued as 4Yx3Zk1Qz8z9" (Postfix, Exim, Sendmail-like). */
export function queueIdOf(replyText: string): string | undefined {
  const m =
    /queued as ([A-Za-z0-9.-]{3,64})\b/i.exec(replyText) ?? /\bid=([A-Za-z0-9.-]{3,64})\b/.exec(replyText);
  return m?.[1];
}

/** What an arrival contributes to a result: when and how it was seen, and how far off that may be. */
export interface Seen {
  at: Instant;
  boundSeconds: number;
  detection: Detection;
  hops: z.infer<typeof Hop>[];
  spam: boolean;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

/**
 * The result of an arrival. The bound never exceeds the delay (the message cannot have arrived before
 * it was sent), and across a restart it includes the wall-clock allowance, flagged by `clock: "wall"`.
 */
export function arrivedResult(row: InFlightRow, elapsed: Elapsed, seen: Seen): DeliveryResult {
  const detectionBound = Math.min(Math.max(0, seen.boundSeconds), elapsed.seconds);
  const bound = detectionBound + (elapsed.clock === "wall" ? wallClockAllowance(elapsed.seconds) : 0);
  return {
    ...identity(row),
    outcome: seen.spam ? "spam" : "delivered",
    delaySeconds: round(elapsed.seconds),
    errorBoundSeconds: round(bound),
    clock: elapsed.clock,
    detection: seen.detection,
    arrivedAt: Math.max(0, Math.round(seen.at.wall)),
    ...(seen.hops.length > 0 ? { hops: seen.hops.slice(0, 30).map(cleanHop) } : {}),
  };
}

/** The result of a message given up after its loss timeout (7.1.12). */
export function lostResult(row: InFlightRow, age: Elapsed): DeliveryResult {
  return { ...identity(row), outcome: "lost", ageSeconds: round(age.seconds, 3) };
}

/** The result of a message the operator did not take over. */
export function sendFailedResult(
  m: { token: string; delivery: string; direction: DeliveryResult["direction"]; vantage: string },
  startedWall: number,
  e: ProbeError,
): DeliveryResult {
  return {
    id: randomUUID(),
    delivery: m.delivery,
    direction: m.direction,
    vantage: m.vantage,
    token: m.token,
    sentAt: Math.max(0, Math.round(startedWall)),
    outcome: "send-failed",
    error: {
      code: e.code,
      stage: e.stage,
      message: e.message.slice(0, 2000),
      ...(e.responseCode !== undefined ? { responseCode: e.responseCode } : {}),
    },
  };
}

function identity(row: InFlightRow) {
  return {
    id: randomUUID(),
    delivery: row.delivery,
    direction: row.direction,
    vantage: row.vantage,
    token: row.token,
    sentAt: Math.max(0, Math.round(row.sentWall ?? row.startedWall)),
    ...(row.queueId ? { queueId: row.queueId.slice(0, 64) } : {}),
  };
}

function cleanHop(h: z.infer<typeof Hop>): z.infer<typeof Hop> {
  return {
    ...(h.from !== undefined ? { from: h.from.slice(0, 200) } : {}),
    ...(h.by !== undefined ? { by: h.by.slice(0, 200) } : {}),
    ...(h.with !== undefined ? { with: h.with.slice(0, 50) } : {}),
    ...(h.at !== undefined && Number.isInteger(h.at) ? { at: h.at } : {}),
  };
}
