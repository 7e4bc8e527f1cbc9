/**
 * The check kinds whose old results are compacted (collector/store/compaction.ts): the availability
 * checks the engine turns into states. Submission and relay checks carry 7.1.13/7.1.14 verdicts read
 * result by result, and sender-hygiene checks are read by the report's reputation section: both are
 * kept raw (they run hourly or daily, so they are few).
 */
const COMPACTABLE: ReadonlySet<string> = new Set(["smtp", "imap", "pop3", "webmail"]);

/** Whether results of this check kind are compacted beyond the raw retention. */
export function isCompactable(kind: string): boolean {
  return COMPACTABLE.has(kind);
}
