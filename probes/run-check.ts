import { randomUUID } from "node:crypto";
import type { ServiceConfig } from "../config/services.js";
import type { Clock } from "../contract/clock.js";
import { classifyError, codedError, type Stage } from "../contract/errors.js";
import type { AnyCheckKind, CheckContext, Credentials } from "./kinds/kind.js";
import type { ProbeResult } from "../contract/result.js";
import { wireSafe } from "./wire-safe.js";

/** The check modules by kind; probes/kinds/index.ts builds the real one, tests may pass their own. */
export type KindRegistry = ReadonlyMap<string, AnyCheckKind>;

/** What the runner needs besides the service: identity, clock, accounts and the module registry. */
export interface RunDeps {
  kinds: KindRegistry;
  clock: Clock;
  vantage: string;
  accounts: Readonly<Record<string, Credentials>>;
  ehloName: string;
  newId?: () => string;
}

/**
 * Runs one check and always returns a result: the module's errors, a timeout and even a bug in a
 * module become a failed result with a closed code and the stage it failed in. `signal` aborts
 * early (agent shutdown); `timeoutMs` bounds the whole check.
 */
export async function runCheck(
  service: ServiceConfig,
  timeoutMs: number,
  deps: RunDeps,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const { clock } = deps;
  const startedAt = clock.now();
  const t0 = clock.monotonic();
  const phases: ProbeResult["phases"] = {};
  let stage: Stage = "connect";
  const timeout = AbortSignal.timeout(timeoutMs);
  const ctx: CheckContext = {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    clock,
    ehloName: deps.ehloName,
    account(name) {
      const a = deps.accounts[name];
      if (!a) throw new Error(`account "${name}" is not configured`);
      return a;
    },
    async phase(s, step) {
      stage = s;
      const p0 = clock.monotonic();
      try {
        return await step();
      } catch (err) {
        throw classifyError(err, s);
      } finally {
        phases[s] = ((phases[s] ?? 0) * 1000 + (clock.monotonic() - p0)) / 1000;
      }
    },
  };
  const base = {
    id: (deps.newId ?? randomUUID)(),
    check: service.name,
    kind: service.kind,
    vantage: deps.vantage,
    startedAt,
    phases,
  };
  const kind = deps.kinds.get(service.kind);
  try {
    if (!kind) throw new Error(`no check module for kind "${service.kind}"`);
    const outcome = await Promise.race([kind.run(service as never, ctx), rejectOnAbort(ctx.signal)]);
    return wireSafe({
      ...base,
      phases: { ...phases },
      ok: true,
      durationSeconds: (clock.monotonic() - t0) / 1000,
      ...outcome,
    });
  } catch (err) {
    const e = classifyError(err, stage);
    // A snapshot: a step still running when the timeout won the race must not change a returned result.
    return wireSafe({
      ...base,
      phases: { ...phases },
      ok: false,
      durationSeconds: (clock.monotonic() - t0) / 1000,
      error: {
        code: e.code,
        stage: e.stage,
        message: e.message,
        ...(e.responseCode !== undefined ? { responseCode: e.responseCode } : {}),
      },
    });
  }
}

/** A promise that rejects when the signal aborts, so a module that ignores its signal cannot hang the agent. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(codedError("timeout", "no answer within the check's timeout"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}
