import { createHash } from "node:crypto";
import type { z } from "zod";
import type { DeliveryResult, Detection, Hop } from "../../contract/delivery-result.js";
import type { ProbeError } from "../../contract/errors.js";
import { MAX_MESSAGE } from "../../contract/result.js";
import { cleanText, MAX_TIME_MS, MIN_TIME_MS } from "../../contract/text.js";
import { wallClockAllowance, type Elapsed, type InFlightRow, type Instant } from "./inflight.js";

/**
 * The agent's side of a delivery result: the builders that turn an in-flight row and what was seen
 * into the wire record of contract/delivery-result.ts, and the queue id read from a 250 reply.
 */

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
    id: resultId(m.token),
    delivery: m.delivery,
    direction: m.direction,
    vantage: m.vantage,
    token: m.token,
    sentAt: Math.max(0, Math.round(startedWall)),
    outcome: "send-failed",
    error: {
      code: e.code,
      stage: e.stage,
      message: cleanText(e.message, MAX_MESSAGE),
      ...(e.responseCode !== undefined ? { responseCode: e.responseCode } : {}),
    },
  };
}

function identity(row: InFlightRow) {
  return {
    id: resultId(row.token),
    delivery: row.delivery,
    direction: row.direction,
    vantage: row.vantage,
    token: row.token,
    sentAt: Math.max(0, Math.round(row.sentWall ?? row.startedWall)),
    ...(row.queueId ? { queueId: cleanText(row.queueId, 64) } : {}),
  };
}

function cleanHop(h: z.infer<typeof Hop>): z.infer<typeof Hop> {
  return {
    ...(h.from !== undefined ? { from: cleanText(h.from, 200) } : {}),
    ...(h.by !== undefined ? { by: cleanText(h.by, 200) } : {}),
    ...(h.with !== undefined ? { with: cleanText(h.with, 50) } : {}),
    ...(h.at !== undefined && Number.isInteger(h.at) && h.at >= MIN_TIME_MS && h.at <= MAX_TIME_MS
      ? { at: h.at }
      : {}),
  };
}

/** The namespace of {@link resultId}'s name-based UUIDs (a random UUID, fixed for mailsla). */
const RESULT_NAMESPACE = Buffer.from("5f0b7c2e9d8a4e61b3c4a7d2e9f01b6c", "hex");

/**
 * The id of a probe message's result: a name-based UUID (RFC 9562 version 5) of its token, so the
 * collector, which stores each id once, never counts one message twice, even when an operating
 * system crash undid a take that was committed without waiting for the disk and the message is
 * taken again after the restart (docs/delivery.md, "In flight, loss and agent restarts").
 */
export function resultId(token: string): string {
  const b = createHash("sha1").update(RESULT_NAMESPACE).update(`delivery:${token}`).digest();
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
