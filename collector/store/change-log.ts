import { isSecurityKind } from "../sla-source/security.js";
import type { IngestRecord } from "./results.js";

/**
 * What the change log keeps of a committed batch (collector/store/types.ts IngestChange): the span
 * of times its new results touch and whether a 7.1.13/7.1.14 check was among them. Computed the same
 * way by both stores, from the records the transaction actually stored.
 */

/** How long change-log rows are kept: a reader that fell further behind treats everything as changed. */
export const CHANGE_LOG_KEEP_MS = 86_400_000;

/** Prune the change log every this many ingests (cheap: one indexed delete). */
export const PRUNE_EVERY = 1000;

/** The change-log columns of the records stored by one ingest; undefined when none was new. */
export function changeSpan(
  stored: readonly IngestRecord[],
): { minAt: number; maxAt: number; security: boolean } | undefined {
  if (stored.length === 0) return undefined;
  let minAt = Infinity;
  let maxAt = -Infinity;
  let security = false;
  for (const r of stored) {
    const at = r.type === "check" ? r.payload.startedAt : r.payload.sentAt;
    if (at < minAt) minAt = at;
    if (at > maxAt) maxAt = at;
    if (r.type === "check" && isSecurityKind(r.payload.kind)) security = true;
  }
  return { minAt, maxAt, security };
}
