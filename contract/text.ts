import { z } from "zod";

/**
 * Text that crosses the trust boundary between agent and collector. Every string an agent sends ends
 * up on the public status page, in /metrics labels, in the HTML e-mail, the PDF and the CSV of the
 * report, so it has a length cap and a character set: no control characters (C0, DEL, C1), no
 * line or paragraph separators, no bidirectional overrides (which make text read differently than it
 * is stored). The agent cleans what servers say with {@link cleanText} before it builds a result; the
 * collector refuses, with {@link SafeText}, anything that was not cleaned.
 */

/** Characters no shown text may hold: C0 controls, DEL, C1 controls, U+2028/2029, bidi controls. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;

/** `s` with each run of unsafe characters replaced by `by` (a space to clean, U+FFFD to show). */
export function replaceUnsafe(s: string, by: string): string {
  return s.replace(UNSAFE_ALL, by);
}

/** Whether `s` holds a character that must never be shown (see the module comment). */
export function hasUnsafeCharacter(s: string): boolean {
  return UNSAFE.test(s);
}

/**
 * A string of at most `max` characters with no unsafe character: the schema of every free text in a
 * result (server replies, banners, certificate names).
 */
export function SafeText(max: number) {
  return z
    .string()
    .max(max, { error: `longer than ${max} characters (rule: too-long)` })
    .refine((s) => !hasUnsafeCharacter(s), {
      error: "holds a control, separator or bidirectional character (rule: control-character)",
    });
}

/** The names of services, deliveries and vantage points as the configuration allows them. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/i;
/** The longest name of a service, delivery or vantage point a result may carry. */
export const MAX_NAME = 64;

/** A configuration name (service, delivery, vantage point): bounded, letters, digits, '.', '_', '-'. */
export const WireName = z
  .string()
  .min(1)
  .max(MAX_NAME, { error: `longer than ${MAX_NAME} characters (rule: too-long)` })
  .regex(NAME_PATTERN, { error: "expected a name of letters, digits, '.', '_' or '-' (rule: name)" });

/**
 * Makes server text safe to send: unsafe characters become one space, the result is trimmed and cut
 * to `max` characters. The agent applies it to every reply, banner and certificate field it keeps.
 */
export function cleanText(s: string, max: number): string {
  const cleaned = replaceUnsafe(s, " ").trim();
  return cleaned.length > max ? cleaned.slice(0, max) : cleaned;
}

/** The earliest time a result may carry: 2000-01-01 UTC (nothing mailsla measured is older). */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
/** The latest time any field may carry: 2200-01-01 UTC, well inside the JavaScript date range. */
export const MAX_TIME_MS = Date.UTC(2200, 0, 1);

/** A Unix time in milliseconds within [{@link MIN_TIME_MS}, {@link MAX_TIME_MS}]. */
export const WireTime = z
  .number()
  .int()
  .min(MIN_TIME_MS, { error: "before 2000-01-01 (rule: out-of-range)" })
  .max(MAX_TIME_MS, { error: "after 2200-01-01 (rule: out-of-range)" });

/** Seconds, finite, from 0 to `max`. */
export function Seconds(max: number) {
  return z
    .number()
    .min(0, { error: "negative (rule: out-of-range)" })
    .max(max, { error: `more than ${max} s (rule: out-of-range)` });
}
