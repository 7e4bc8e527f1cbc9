import { CHECK_KINDS } from "../config/services.js";
import { ERROR_CODE_LIST, STAGES } from "./errors.js";
import { CERT_DATE_SPAN_MS, MAX_CHECK_SECONDS, MAX_DETAILS, MAX_MESSAGE, ProbeResult } from "./result.js";
import { hasUnsafeCharacter, MAX_NAME, MAX_TIME_MS, MIN_TIME_MS, NAME_PATTERN } from "./text.js";

/**
 * A fast acceptance test for {@link ProbeResult}: true only for a value the schema accepts as it is
 * (the schema has no transforms or defaults, so its output equals such an input). It allocates
 * nothing and takes a tenth of the schema's time, which is most of the collector's CPU for a batch
 * of results. It is deliberately narrower: whatever it does not accept (an optional key present as
 * `undefined`, an object with a prototype of its own, and every fault) goes to the schema, which
 * gives the reasons. test/contract/result-check.test.ts holds it to "accepted here => accepted by
 * the schema" on mutated results, and to accepting what agents send.
 */

const KINDS: ReadonlySet<unknown> = new Set(CHECK_KINDS);
const STAGE_SET: ReadonlySet<unknown> = new Set(STAGES);
const CODES: ReadonlySet<unknown> = new Set(ERROR_CODE_LIST);
/** The id's pattern, read from the schema itself (z.uuid()'s), so both test one thing. */
const UUID: RegExp = (ProbeResult.shape.id as unknown as { _zod: { def: { pattern: RegExp } } })._zod.def
  .pattern;

const RESULT_KEYS: ReadonlySet<string> = new Set(Object.keys(ProbeResult.shape));
const FAILURE_KEYS: ReadonlySet<string> = new Set(["code", "stage", "message", "responseCode"]);
const TLS_KEYS: ReadonlySet<string> = new Set(["notAfter", "subject", "issuer", "protocol"]);

/**
 * A plain object (prototype Object.prototype or null) whose keys all lie in `allowed`: the shape test
 * of a strict object without zod's copy, for this check and for the ingest body around results.
 */
export function plainWith(o: unknown, allowed?: ReadonlySet<string>): o is Record<string, unknown> {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return false;
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  if (allowed) {
    for (const k in o) if (!allowed.has(k)) return false;
  }
  return true;
}

const safeText = (v: unknown, max: number) =>
  typeof v === "string" && v.length <= max && !hasUnsafeCharacter(v);
const name = (v: unknown) =>
  typeof v === "string" && v.length >= 1 && v.length <= MAX_NAME && NAME_PATTERN.test(v);
const seconds = (v: unknown) => typeof v === "number" && v >= 0 && v <= MAX_CHECK_SECONDS; // NaN fails both
const time = (v: unknown) =>
  Number.isSafeInteger(v) && (v as number) >= MIN_TIME_MS && (v as number) <= MAX_TIME_MS;
/** An optional key: absent passes; present must hold a value (undefined goes to the schema). */
const absent = (o: Record<string, unknown>, k: string) => !Object.hasOwn(o, k);

function failure(v: unknown): boolean {
  if (!plainWith(v, FAILURE_KEYS)) return false;
  if (!CODES.has(v.code) || !STAGE_SET.has(v.stage) || !safeText(v.message, MAX_MESSAGE)) return false;
  const rc = v.responseCode;
  return (
    absent(v, "responseCode") || (Number.isSafeInteger(rc) && (rc as number) >= 0 && (rc as number) <= 999)
  );
}

function tls(v: unknown, startedAt: number): boolean {
  if (!plainWith(v, TLS_KEYS)) return false;
  if (!Number.isSafeInteger(v.notAfter) || Math.abs((v.notAfter as number) - startedAt) > CERT_DATE_SPAN_MS)
    return false;
  return (
    (absent(v, "subject") || safeText(v.subject, 500)) &&
    (absent(v, "issuer") || safeText(v.issuer, 500)) &&
    (absent(v, "protocol") || safeText(v.protocol, 32))
  );
}

function phases(v: unknown): boolean {
  if (!plainWith(v)) return false;
  for (const k in v) if (!STAGE_SET.has(k) || !seconds(v[k])) return false;
  return true;
}

function details(v: unknown): boolean {
  if (!plainWith(v)) return false;
  let n = 0;
  for (const k in v) {
    const d = v[k];
    if (++n > MAX_DETAILS || !name(k)) return false;
    if (!(safeText(d, 500) || typeof d === "boolean" || (typeof d === "number" && Number.isFinite(d))))
      return false;
  }
  return true;
}

/** True when {@link ProbeResult} certainly accepts `v` unchanged (see the module comment). */
export function isWellFormedProbeResult(v: unknown): v is ProbeResult {
  if (!plainWith(v, RESULT_KEYS)) return false;
  if (typeof v.id !== "string" || !UUID.test(v.id)) return false;
  if (!name(v.check) || !name(v.vantage) || !KINDS.has(v.kind)) return false;
  if (!time(v.startedAt) || !seconds(v.durationSeconds) || typeof v.ok !== "boolean") return false;
  if (!phases(v.phases)) return false;
  if (!absent(v, "error") && !failure(v.error)) return false;
  if (!absent(v, "tls") && !tls(v.tls, v.startedAt as number)) return false;
  return absent(v, "details") || details(v.details);
}
