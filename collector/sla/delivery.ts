import { z } from "zod";
import type { Interval } from "./intervals.js";

/**
 * Delivery delay (7.1.8 sending, 7.1.9 receiving) and normal-mail loss (7.1.12) from probe
 * messages. A message belongs to the period in which the operator took it over (the 250 to DATA),
 * so a late arrival recomputes the month it was sent in, like any late result (DESIGN step 8).
 */

/** "send" is 7.1.8 (submission to the operator's MTA starting to pass it on), "receive" is 7.1.9. */
export const Direction = z.enum(["send", "receive"]);
export type Direction = z.infer<typeof Direction>;

/** One measured delivery. */
export const DelaySample = z.strictObject({
  direction: Direction,
  /** When the operator took the message over, Unix ms. */
  at: z.number().int(),
  seconds: z.number().nonnegative(),
  /** Measurement error, e.g. the poll interval when IMAP IDLE was not available. */
  boundSeconds: z.number().nonnegative().optional(),
});
export type DelaySample = z.infer<typeof DelaySample>;

/** A probe message taken over and not arrived yet: its age already bounds the maximum from below. */
export const InFlightMessage = z.strictObject({ direction: Direction, sentAt: z.number().int() });
export type InFlightMessage = z.infer<typeof InFlightMessage>;

/** A probe message that passed its loss timeout without arriving (7.1.12). */
export const LostMessage = z.strictObject({ direction: Direction, sentAt: z.number().int() });
export type LostMessage = z.infer<typeof LostMessage>;

/** Delay of one direction over a period; seconds. */
export interface DelayStats {
  readonly samples: number;
  readonly inFlight: number;
  /** Mean of delivered samples; `null` without samples (in-flight messages have no final delay). */
  readonly average: number | null;
  readonly averageBound: number | null;
  /** Largest delivered delay or in-flight age at the end of the range; `null` when there is neither. */
  readonly maximum: number | null;
  readonly maximumBound: number | null;
}

const within = (t: number, range: Interval) => t >= range.start && t < range.end;

/** Average and maximum delay of one direction for messages taken over within `range`. */
export function delayStats(
  direction: Direction,
  samples: readonly DelaySample[],
  inFlight: readonly InFlightMessage[],
  range: Interval,
): DelayStats {
  let n = 0;
  let sum = 0;
  let sumBound = 0;
  let maximum: number | null = null;
  let maximumBound: number | null = null;
  for (const s of samples) {
    if (s.direction !== direction || !within(s.at, range)) continue;
    n++;
    sum += s.seconds;
    sumBound += s.boundSeconds ?? 0;
    if (maximum === null || s.seconds > maximum) [maximum, maximumBound] = [s.seconds, s.boundSeconds ?? 0];
  }
  let flying = 0;
  for (const m of inFlight) {
    if (m.direction !== direction || !within(m.sentAt, range)) continue;
    flying++;
    const age = (range.end - m.sentAt) / 1000;
    if (maximum === null || age > maximum) [maximum, maximumBound] = [age, 0];
  }
  return {
    samples: n,
    inFlight: flying,
    average: n > 0 ? sum / n : null,
    averageBound: n > 0 ? sumBound / n : null,
    maximum,
    maximumBound,
  };
}

/** Delivered and lost counts of one direction. */
export interface LossStats {
  readonly delivered: number;
  readonly lost: number;
  /** lost / (delivered + lost); `null` when no message was decided. */
  readonly rate: number | null;
}

/** Loss of one direction for messages taken over within `range`; in-flight messages are undecided. */
export function lossStats(
  direction: Direction,
  samples: readonly DelaySample[],
  lost: readonly LostMessage[],
  range: Interval,
): LossStats {
  const delivered = samples.filter((s) => s.direction === direction && within(s.at, range)).length;
  const gone = lost.filter((m) => m.direction === direction && within(m.sentAt, range)).length;
  return { delivered, lost: gone, rate: delivered + gone > 0 ? gone / (delivered + gone) : null };
}
