import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration written the way operators write them in YAML ("30s", "5m", "3h", "250ms"), or a bare
 * number of seconds; parsed to milliseconds so nothing downstream guesses units.
 */
export const Duration = z.union([z.number().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === "number") return Math.round(v * 1000);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) {
    ctx.addIssue({ code: "custom", message: `expected a duration like "30s", "5m" or "3h", got "${v}"` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
});
