import type { JobClaim, JobState } from "./types.js";

/**
 * The rule of exactly-once jobs (collector/store/types.ts `claimJob`), written once for both
 * stores: given the job's row (or none), whether `holder` may take or keep it now. Each store reads
 * the row and writes the outcome in one transaction with the row locked.
 */

/** A job's row. */
export interface JobRow {
  holder: string;
  state: JobState;
  lease_until: number;
}

/** The claim's answer and the row to write (undefined: leave the row as it is). */
export function decideClaim(
  row: JobRow | undefined,
  holder: string,
  now: number,
  leaseMs: number,
): { claim: JobClaim; write?: JobRow } {
  const lease = { holder, state: "claimed" as const, lease_until: now + leaseMs };
  if (!row) return { claim: { granted: true, holder, state: "claimed" }, write: lease };
  if (row.holder === holder && row.state !== "done") {
    const write = { ...row, lease_until: now + leaseMs };
    return { claim: { granted: true, holder, state: row.state }, write };
  }
  if (row.state === "claimed" && Number(row.lease_until) <= now) {
    return { claim: { granted: true, holder, state: "claimed" }, write: lease };
  }
  return { claim: { granted: false, holder: row.holder, state: row.state } };
}

/** The error of a state change by a collector that does not hold the job. */
export function notHolder(name: string, holder: string, row: JobRow | undefined): Error {
  return new Error(
    `job ${name}: ${holder} does not hold it (${row ? `${row.holder} does, ${row.state}` : "nobody claimed it"})`,
  );
}
