import type { CollectorStore } from "../store/index.js";
import type { IngestChange } from "../store/types.js";
import type { Change } from "./cache.js";

/**
 * Follows the ledger's change log (collector/store/types.ts `changesSince`): every committed ingest,
 * by this collector or by another replica on the same PostgreSQL, reaches the SLA source through it.
 * Cached months are invalidated by what changed and each agent's last push is known to every
 * replica alike, so the API, the status page and /metrics agree whichever replica answers.
 */

/** How far back the last pushes are read when following starts or after a gap. */
const SEED_WINDOW_MS = 86_400_000;

/** What a follower tells its owner after a sync. */
export interface ChangeListener {
  /** New results were stored in these spans. */
  changed(changes: readonly Change[]): void;
  /** Changes were missed (pruned before they were read): everything may have changed. */
  lost(): void;
}

/** The time spans of changes that stored something, as the period cache takes them. */
export function spansOf(changes: readonly IngestChange[]): Change[] {
  return changes.flatMap((c) =>
    c.minAt === null || c.maxAt === null ? [] : [{ from: c.minAt, to: c.maxAt, security: c.security }],
  );
}

/** The change log's reader; `sync()` before answering from anything cached. */
export class ChangeFollower {
  private cursor: number | undefined;
  private readonly pushes = new Map<string, number>();
  private syncing: Promise<void> | undefined;
  /** Ingests seen (including those that stored nothing new). */
  seen = 0;

  constructor(
    private readonly store: CollectorStore,
    private readonly listener: ChangeListener,
  ) {}

  /** Reads the changes committed since the last sync; concurrent callers share one read. */
  sync(now: number): Promise<void> {
    this.syncing ??= this.read(now).finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** The last push of `vantage` known at the last sync, or null if none. */
  lastPush(vantage: string): number | null {
    return this.pushes.get(vantage) ?? null;
  }

  private async read(now: number): Promise<void> {
    if (this.cursor === undefined) {
      this.cursor = await this.store.lastChange();
      await this.seed(now);
      return;
    }
    for (;;) {
      const { changes, gap, next } = await this.store.changesSince(this.cursor);
      if (gap) {
        this.listener.lost();
        this.cursor = await this.store.lastChange();
        await this.seed(now);
        return;
      }
      this.cursor = next;
      if (changes.length === 0) return;
      this.seen += changes.length;
      for (const c of changes)
        this.pushes.set(c.vantage, Math.max(c.receivedAt, this.pushes.get(c.vantage) ?? 0));
      this.listener.changed(spansOf(changes));
    }
  }

  private async seed(now: number): Promise<void> {
    for (const [vantage, at] of await this.store.lastPushes(now - SEED_WINDOW_MS)) {
      this.pushes.set(vantage, Math.max(at, this.pushes.get(vantage) ?? 0));
    }
  }
}
