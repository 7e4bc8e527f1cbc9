import type { DeliveryDirection } from "../../config/delivery.js";
import { deliveryInput } from "../sla-source/deliveries.js";
import type { Interval } from "../sla/intervals.js";
import type { ResultQuery, StoredDelivery } from "../store/results.js";
import { showRatio } from "./format.js";

/**
 * Probe messages filed as spam (issue 14; SPEC 7.1.11, 7.1.12): every probe message is legitimate
 * mail, so each one a receive or roundtrip probe found in the mailbox's Junk folder is a false
 * positive of the operator's spam filter. Counted per month and shown beside the spam ratio the
 * operator enters for 7.1.11 (which says how much spam is caught, never how much good mail is
 * caught with it). Send probes arrive at the agent's sink, which has no Junk folder: not counted.
 */

/** The directions whose messages land in a user's mailbox. */
export const JUNK_DIRECTIONS = ["receive", "roundtrip"] as const satisfies readonly DeliveryDirection[];

/** Arrived probe messages of the month per direction: in the inbox, or in Junk. */
export type JunkCounts = Record<(typeof JUNK_DIRECTIONS)[number], { delivered: number; spam: number }>;

/** One direction's false positives, for the report. */
export interface JunkRow {
  readonly direction: (typeof JUNK_DIRECTIONS)[number];
  /** Probe messages that arrived (inbox or Junk); lost ones are 7.1.12's, not here. */
  readonly arrived: number;
  readonly spam: number;
  /** spam / arrived; null without arrivals. */
  readonly rate: number | null;
  readonly show: { readonly rate: string };
}

/** The store's read this needs; sync or async. */
export interface JunkReader {
  deliveries(q: Omit<ResultQuery, "service">): Promise<StoredDelivery[]> | StoredDelivery[];
}

/**
 * Counts the month's arrived probe messages by where they landed, from the stored delivery results
 * (taken over in `range`, as 7.1.9 and 7.1.12 count them: collector/sla-source/deliveries.ts).
 */
export async function loadJunk(reader: JunkReader, range: Interval): Promise<JunkCounts> {
  const rows = await reader.deliveries({ from: range.start, to: range.end });
  const { outcomes } = deliveryInput(rows.map((r) => r.payload));
  return {
    receive: { delivered: outcomes.receive.delivered, spam: outcomes.receive.spam },
    roundtrip: { delivered: outcomes.roundtrip.delivered, spam: outcomes.roundtrip.spam },
  };
}

/** The rows of the report; with no counts (a month read from a JSON file) none. */
export function junkRows(counts: JunkCounts | undefined): JunkRow[] {
  if (!counts) return [];
  return JUNK_DIRECTIONS.map((direction) => {
    const { delivered, spam } = counts[direction];
    const arrived = delivered + spam;
    const rate = arrived > 0 ? spam / arrived : null;
    return { direction, arrived, spam, rate, show: { rate: showRatio(rate) } };
  });
}

/** One sentence of all directions together, for the 7.1.11 row's note; null without arrivals. */
export function junkSummary(rows: readonly JunkRow[]): string | null {
  const arrived = rows.reduce((n, r) => n + r.arrived, 0);
  if (arrived === 0) return null;
  const spam = rows.reduce((n, r) => n + r.spam, 0);
  return `measured beside it: ${showRatio(spam / arrived)} of probe messages filed as spam (${spam} of ${arrived}), false positives`;
}
