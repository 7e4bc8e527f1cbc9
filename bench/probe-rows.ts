import { randomUUID } from "node:crypto";
import type { ProbeResult } from "../contract/result.js";

/**
 * Synthetic check results shaped like an agent's: the fields, phases, TLS facts and failure
 * share of a real run, so that JSON parsing, schema validation and the stored payload cost what
 * they cost in production. Built before any clock starts: the benches time the collector and
 * SQLite, not the generator.
 */

type Stage = NonNullable<ProbeResult["error"]>["stage"];

const SERVICES: readonly { check: string; kind: ProbeResult["kind"]; phases: readonly Stage[] }[] = [
  { check: "mx", kind: "smtp", phases: ["connect", "banner", "ehlo", "starttls", "quit"] },
  { check: "submission", kind: "submission", phases: ["connect", "tls", "banner", "ehlo", "auth", "quit"] },
  { check: "imap", kind: "imap", phases: ["connect", "tls", "greeting", "capability", "login", "select"] },
  { check: "pop3", kind: "pop3", phases: ["connect", "tls", "greeting", "login", "stat", "quit"] },
  { check: "webmail", kind: "webmail", phases: ["connect", "tls", "http", "content"] },
];

const MINUTE = 60_000;

/** Deterministic pseudo-random numbers in [0, 1): the same run gives the same rows' shape. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The services of these rows as a collector's configuration describes them, so the bench's collector
 * admits them as a real one would (collector/routes/admission.ts).
 */
export const BENCH_DESCRIBED = {
  services: SERVICES.map((s) => ({ name: s.check, kind: s.kind })),
  deliveries: [],
  agent: { timeout: 30_000 },
};

/** One check result of `service` (index into the five services) at `startedAt` from `vantage`. */
export function probeResult(
  service: number,
  vantage: string,
  startedAt: number,
  rand: () => number,
): ProbeResult {
  const s = SERVICES[service % SERVICES.length]!;
  const phases: ProbeResult["phases"] = {};
  for (const p of s.phases) phases[p] = Math.round(rand() * 80_000) / 1e6;
  const ok = rand() >= 0.01;
  const result: ProbeResult = {
    id: randomUUID(),
    check: s.check,
    kind: s.kind,
    vantage,
    startedAt,
    durationSeconds: Math.round(rand() * 400_000) / 1e6,
    ok,
    phases,
    tls: { notAfter: startedAt + 60 * 86_400_000, subject: "CN=mail.example.net", protocol: "TLSv1.3" },
    ...(ok
      ? { details: { banner: "mail.example.net ESMTP" } }
      : { error: { code: "timeout", stage: s.phases.at(-1)!, message: "no answer within 10 s" } }),
  };
  return result;
}

/**
 * `batches` batches of `perBatch` results of one agent, as its scheduler makes them: the five
 * services checked every minute, in time order, starting at `from`.
 */
export function agentBatches(
  vantage: string,
  batches: number,
  perBatch: number,
  from: number,
  seed: number,
): ProbeResult[][] {
  const rand = lcg(seed);
  const out: ProbeResult[][] = [];
  let n = 0;
  for (let b = 0; b < batches; b++) {
    const batch: ProbeResult[] = [];
    for (let i = 0; i < perBatch; i++, n++) {
      const minute = Math.floor(n / SERVICES.length);
      batch.push(probeResult(n, vantage, from + minute * MINUTE + (n % SERVICES.length) * 1000, rand));
    }
    out.push(batch);
  }
  return out;
}
