import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { z } from "zod";

/**
 * A password or token read from the environment or a file. It prints as "[secret]" everywhere
 * (console, JSON, util.inspect) so a config dump or a log line can never leak it; only `reveal()`
 * hands the value to the protocol that needs it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The plain value, for the one place that sends it to a server. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[secret]";
  }
  toJSON(): string {
    return "[secret]";
  }
  [inspect.custom](): string {
    return "[secret]";
  }
}

/** Where a secret comes from: `{ env: NAME }` or `{ file: /path }` (trailing newline trimmed). Never inline. */
export const SecretRef = z
  .union([z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })], {
    error: "expected { env: VARIABLE } or { file: /path/to/file }; secrets are never written inline",
  })
  .transform((ref, ctx) => {
    if ("env" in ref) {
      const v = process.env[ref.env];
      if (v === undefined || v === "") {
        ctx.addIssue({
          code: "custom",
          message: `environment variable ${ref.env} is not set`,
          path: ["env"],
        });
        return z.NEVER;
      }
      return new Secret(v);
    }
    try {
      return new Secret(readFileSync(ref.file, "utf8").replace(/\r?\n$/, ""));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      ctx.addIssue({
        code: "custom",
        message: `cannot read secret file ${ref.file} (${code})`,
        path: ["file"],
      });
      return z.NEVER;
    }
  });
