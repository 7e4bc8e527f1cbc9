import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { CollectorStore } from "./store/index.js";

/**
 * Whether the collector can do its job now, said honestly (Kubernetes-style readiness, /readyz): the
 * ledger took a committed write (a one-row heartbeat, at most once a second, and the last
 * ingest's outcome), its file system has at least `minFreeBytes` free, and its last integrity check
 * found no damage. Liveness (/healthz) only says the process answers; a load balancer sends pushes
 * to ready replicas, and agents keep their results while none is ready.
 */

/** One readiness condition: its name, whether it holds, and the words an operator reads when it does not. */
export interface Condition {
  name: "ledger-write" | "disk-space" | "integrity";
  ok: boolean;
  detail: string;
}

/** The readiness answer. */
export interface ReadinessReport {
  ready: boolean;
  conditions: Condition[];
}

/** What readiness reads. */
export interface HealthOptions {
  store: CollectorStore;
  minFreeBytes: number;
  now: () => number;
  /** Free bytes of the file system holding `path` (statfs; tests pass their own). */
  freeBytes?: (path: string) => number;
  /** How long a heartbeat result stands before the next /readyz writes again (default 1 s). */
  writeEvery?: number;
}

/** Readiness with its memory of the last write, ingest and integrity check. */
export interface Health {
  report(): Promise<ReadinessReport>;
  /** Ingest tells the outcome of each transaction: a failure makes the collector unready until a write succeeds. */
  ingestFailed(err: Error): void;
  ingestSucceeded(): void;
  /** Runs the store's integrity check; damage makes the collector unready until a restart on a sound ledger. */
  checkIntegrity(): Promise<Condition>;
  /** The last values, for /metrics. */
  readonly last: { freeBytes: number; integrityCheckedAt: number; integrityOk: boolean; writeOk: boolean };
}

/** Free bytes available to this process on the file system holding `path`. */
export function statfsFreeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

/** The words of a damaged ledger: which file, and what the operator does about it. */
export function damageAdvice(file: string, lines: readonly string[]): string {
  return (
    `the ledger ${file} is damaged (PRAGMA quick_check: ${lines.slice(0, 3).join("; ")}` +
    `${lines.length > 3 ? `; and ${lines.length - 3} more` : ""}). Stop the collector and restore the file ` +
    `from a backup, or copy out what is readable with \`mailsla ledger salvage --from ${file} --to NEW.sqlite\` ` +
    `and start on the new file (docs/operations.md)`
  );
}

/** Builds the readiness state of a collector. */
export function createHealth(o: HealthOptions): Health {
  const free = o.freeBytes ?? statfsFreeBytes;
  const writeEvery = o.writeEvery ?? 1000;
  const last = { freeBytes: -1, integrityCheckedAt: 0, integrityOk: true, writeOk: true };
  let writeAt = -Infinity;
  let writeError: string | undefined;
  let ingestError: string | undefined;
  let integrity: Condition = { name: "integrity", ok: true, detail: "not checked yet" };

  const write = async (): Promise<Condition> => {
    const now = o.now();
    if (now - writeAt >= writeEvery || writeError !== undefined) {
      writeAt = now;
      try {
        await o.store.heartbeat(now);
        writeError = undefined;
        ingestError = undefined; // a committed write since the failed ingest
      } catch (err) {
        writeError = (err as Error).message;
      }
    }
    const error = writeError ?? ingestError;
    last.writeOk = error === undefined;
    return error === undefined
      ? { name: "ledger-write", ok: true, detail: "the ledger committed a write" }
      : { name: "ledger-write", ok: false, detail: `the ledger cannot commit a write: ${error}` };
  };

  const disk = (): Condition => {
    const file = o.store.file;
    if (file === undefined) {
      return {
        name: "disk-space",
        ok: true,
        detail: "the ledger is on a database server, which watches its own disk",
      };
    }
    if (file === ":memory:") return { name: "disk-space", ok: true, detail: "in memory" };
    let bytes: number;
    try {
      bytes = free(dirname(file));
    } catch (err) {
      return { name: "disk-space", ok: false, detail: `cannot read free space: ${(err as Error).message}` };
    }
    last.freeBytes = bytes;
    const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    return bytes >= o.minFreeBytes
      ? { name: "disk-space", ok: true, detail: `${mib(bytes)} free` }
      : {
          name: "disk-space",
          ok: false,
          detail: `only ${mib(bytes)} free on the ledger's file system, below collector.limits.minFreeBytes (${mib(o.minFreeBytes)})`,
        };
  };

  return {
    last,
    async report() {
      const conditions = [await write(), disk(), integrity];
      return { ready: conditions.every((c) => c.ok), conditions };
    },
    ingestFailed(err) {
      ingestError = err.message;
      last.writeOk = false;
    },
    ingestSucceeded() {
      ingestError = undefined;
    },
    async checkIntegrity() {
      let lines: string[];
      try {
        lines = await o.store.quickCheck();
      } catch (err) {
        lines = [(err as Error).message];
      }
      const ok = lines.length === 1 && lines[0] === "ok";
      last.integrityCheckedAt = o.now();
      // Damage is never forgotten by a later check that happens to pass: only a restart clears it.
      if (integrity.ok || integrity.detail === "not checked yet") {
        integrity = ok
          ? {
              name: "integrity",
              ok: true,
              detail: `quick_check ok at ${new Date(last.integrityCheckedAt).toISOString()}`,
            }
          : { name: "integrity", ok: false, detail: damageAdvice(o.store.location, lines) };
      }
      last.integrityOk = integrity.ok;
      return integrity;
    },
  };
}
