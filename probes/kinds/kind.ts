import type { Clock } from "../../contract/clock.js";
import type { Stage } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { CheckKindName, ServiceOf } from "../../config/services.js";
import type { Secret } from "../../config/secret.js";

/** Credentials of a probe account, resolved from the configuration. */
export interface Credentials {
  username: string;
  password: Secret;
}

/**
 * What a check module gets besides its service: the abort signal (timeout or shutdown), the clock,
 * `phase` to time a protocol step and attribute its failure, and the probe accounts.
 */
export interface CheckContext {
  signal: AbortSignal;
  clock: Clock;
  /**
   * Runs one protocol step, records its duration under `stage`, and turns any error thrown inside
   * into a ProbeError of that stage (a ProbeError thrown inside keeps its own code and stage).
   */
  phase<T>(stage: Stage, step: () => Promise<T>): Promise<T>;
  /** Looks up a probe account by its name in the configuration. */
  account(name: string): Credentials;
  /** The name this agent greets with (EHLO) when the service does not set one. */
  ehloName: string;
}

/**
 * One check kind: a module in probes/kinds/ registered in the map in kinds/index.ts. `run` throws a
 * ProbeError (or anything, classified at the current stage) when the check fails.
 */
export interface CheckKind<K extends CheckKindName> {
  kind: K;
  run(service: ServiceOf<K>, ctx: CheckContext): Promise<CheckOutcome>;
}

/** Any one of the check kinds: what the registry holds. */
export type AnyCheckKind = { [K in CheckKindName]: CheckKind<K> }[CheckKindName];
