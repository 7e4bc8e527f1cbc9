import { z } from "zod";
import { MAX_TIME_MS, MIN_TIME_MS } from "../../contract/text.js";

/**
 * What maintenance windows and force-majeure spans share in the admin API: bounded times, the
 * configuration's segment and service names, and a span that ends after it starts and is no longer
 * than `collector.limits.maxWindow`. One place, so both declarations refuse the same things in the
 * same words (docs/security.md, "Admin API bounds").
 */

/**
 * Unix ms, or an ISO 8601 date-time with an offset or Z, between 2000 and 2200: inside the JavaScript
 * date range and the calendar the report can print, so no time is ever "Invalid DateTime".
 */
export const Time = z
  .union([z.number().int(), z.iso.datetime({ offset: true }).transform(Date.parse)], {
    error: "expected Unix ms or an ISO 8601 time with a zone",
  })
  .pipe(
    z
      .number()
      .min(MIN_TIME_MS, { error: "before 2000-01-01" })
      .max(MAX_TIME_MS, { error: "after 2200-01-01" }),
  );

/** The names a declaration may refer to (the configuration's), when known. */
export interface KnownNames {
  segments: readonly string[];
  services: readonly string[];
}

const known = (list: readonly string[] | undefined, what: string) =>
  z
    .string()
    .min(1)
    .refine((n) => list === undefined || list.includes(n), { error: `unknown ${what}` });

/** The scope of a declaration: some segments and services of the configuration (all when absent). */
export function scopeFields(names: KnownNames | undefined) {
  return {
    segments: z.array(known(names?.segments, "segment")).min(1).max(1000).optional(),
    services: z.array(known(names?.services, "service")).min(1).max(1000).optional(),
  };
}

/**
 * A declaration's `start` and `end` as a span: it ends after it starts and lasts at most
 * `maxWindowMs`; `what` names it in the messages ("a maintenance window", "a force majeure span"),
 * `advice` tells what to do instead of one long span.
 */
export function boundedSpan<S extends z.ZodType<{ start: number; end: number }>>(
  schema: S,
  what: string,
  maxWindowMs: number,
  advice: string,
) {
  return schema
    .refine((d) => d.end > d.start, { error: `${what} must end after it starts`, path: ["end"] })
    .refine((d) => d.end - d.start <= maxWindowMs, {
      error: `longer than ${Math.round(maxWindowMs / 3_600_000)} h (collector.limits.maxWindow): ${advice}`,
      path: ["end"],
    });
}
