/**
 * One IMAP session's view of its selected INBOX. Sequence numbers belong to the session, not the
 * store: a message another session expunged keeps its number here until this client may be told
 * (RFC 3501 7.4.1), and new messages get numbers when EXISTS announces them.
 */
import { SYSTEM_FLAGS, flagList } from "./imap-folders.js";
import { sequenceSet } from "./imap-protocol.js";
import type { Candidate } from "./imap-search.js";
import type { MailStore } from "./mailstore.js";

/** The selected mailbox of one session, kept in step with the shared {@link MailStore}. */
export class MailboxView {
  /** UIDs in sequence-number order, as this client knows them. */
  readonly #uids: number[];
  /** Highest UID this client has been told about; newer ones are announced with EXISTS. */
  #maxUid: number;

  constructor(
    private readonly store: MailStore,
    private readonly address: string,
    readonly readOnly: boolean,
  ) {
    this.#uids = store.messages(address).map((m) => m.uid);
    this.#maxUid = store.uidNext(address) - 1;
  }

  /** The untagged lines of a SELECT or EXAMINE answer. */
  selectLines(): string[] {
    const permanent = this.readOnly ? "()" : flagList([...SYSTEM_FLAGS, "\\*"]);
    return [
      `* FLAGS ${flagList(SYSTEM_FLAGS)}`,
      `* OK [PERMANENTFLAGS ${permanent}] Flags permitted`,
      `* ${this.#uids.length} EXISTS`,
      "* 0 RECENT",
      `* OK [UIDVALIDITY ${this.store.uidValidity}] UIDs valid`,
      `* OK [UIDNEXT ${this.store.uidNext(this.address)}] Predicted next UID`,
    ];
  }

  /** The highest sequence number, which `*` stands for in a sequence set. */
  get exists(): number {
    return this.#uids.length;
  }

  /** The highest UID in the view, which `*` stands for in a UID set (0 when empty). */
  get lastUid(): number {
    return this.#uids.at(-1) ?? 0;
  }

  /** The messages of the view still in the store, with their sequence numbers. */
  candidates(): Candidate[] {
    const byUid = new Map(this.store.messages(this.address).map((m) => [m.uid, m]));
    const out: Candidate[] = [];
    this.#uids.forEach((uid, i) => {
      const message = byUid.get(uid);
      if (message) out.push({ seq: i + 1, message });
    });
    return out;
  }

  /** The candidates a sequence set (or, with `uid`, a UID set) names. */
  pick(set: string, uid: boolean): Candidate[] {
    const inSet = sequenceSet(set, uid ? this.lastUid : this.exists);
    return this.candidates().filter((c) => inSet(uid ? c.message.uid : c.seq));
  }

  /** Removes this view's \Deleted messages (those `inSet` accepts) from the store, for every session. */
  removeDeleted(inSet: (uid: number) => boolean): void {
    const doomed = this.candidates()
      .filter((c) => c.message.flags.has("\\Deleted") && inSet(c.message.uid))
      .map((c) => c.message.uid);
    this.store.remove(this.address, doomed);
  }

  /**
   * Brings the view up to date and returns the lines that tell the client: EXPUNGEs (highest number
   * first, so each number is right when it is read) when allowed, then one EXISTS for new messages.
   */
  sync(withExpunges: boolean): string[] {
    const lines: string[] = [];
    const messages = this.store.messages(this.address);
    if (withExpunges) {
      const present = new Set(messages.map((m) => m.uid));
      for (let i = this.#uids.length - 1; i >= 0; i--) {
        if (present.has(this.#uids[i]!)) continue;
        this.#uids.splice(i, 1);
        lines.push(`* ${i + 1} EXPUNGE`);
      }
    }
    const fresh = messages.filter((m) => m.uid > this.#maxUid).map((m) => m.uid);
    if (fresh.length > 0) {
      this.#uids.push(...fresh);
      this.#maxUid = fresh[fresh.length - 1]!;
      lines.push(`* ${this.#uids.length} EXISTS`);
    }
    return lines;
  }
}
