/**
 * The demo target's mailboxes, in memory: what the demo MX delivers is what IMAP and POP3 serve, so
 * a delivery probe can send a message through the demo and watch it arrive. One folder (INBOX) per
 * address; UIDs only grow, as IMAP requires.
 */
import { EventEmitter } from "node:events";

/** One delivered message, shared by every IMAP and POP3 session that sees it. */
export interface StoredMessage {
  readonly uid: number;
  /** The message as received, CRLF line ends, with the MX's Received: header on top. */
  readonly raw: Buffer;
  readonly internalDate: Date;
  /** IMAP system and keyword flags (\Seen, \Deleted, ...); sessions change them in place. */
  readonly flags: Set<string>;
}

/** A message the submission service accepted for a domain the demo does not host. */
export interface OutboundMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: Buffer;
  readonly queuedAt: Date;
}

interface Mailbox {
  messages: StoredMessage[];
  uidNext: number;
}

/** Oldest messages are dropped beyond this, so a demo left running for weeks stays small. */
const MAX_MESSAGES = 1000;
/** Outbound messages kept for inspection; nothing relays them. */
const MAX_OUTBOUND = 100;

/** In-memory mailboxes of the demo domain, with change notification for IMAP IDLE. */
export class MailStore {
  /** The same for every mailbox and for the whole life of the store (a restart starts afresh). */
  readonly uidValidity = Math.floor(Date.now() / 1000) % 2 ** 31 || 1;
  readonly #boxes = new Map<string, Mailbox>();
  readonly #events = new EventEmitter();
  readonly #outbound: OutboundMessage[] = [];
  readonly #held = new Set<NodeJS.Timeout>();
  #holdMs = 0;

  /** Creates one empty INBOX per address (compared case-insensitively). */
  constructor(addresses: Iterable<string>) {
    for (const a of addresses) this.#boxes.set(key(a), { messages: [], uidNext: 1 });
    this.#events.setMaxListeners(0);
  }

  /** True if the demo hosts this address: the MX accepts mail only for these. */
  has(address: string): boolean {
    return this.#boxes.has(key(address));
  }

  /** Appends a message to the address's INBOX and tells every session watching it. */
  deliver(address: string, raw: Buffer, when = new Date()): StoredMessage {
    const box = this.#box(address);
    const message: StoredMessage = { uid: box.uidNext++, raw, internalDate: when, flags: new Set() };
    box.messages.push(message);
    if (box.messages.length > MAX_MESSAGES) box.messages.splice(0, box.messages.length - MAX_MESSAGES);
    this.#events.emit(key(address));
    return message;
  }

  /**
   * Makes every message accepted from now on wait `ms` before it reaches its mailbox, as mail does
   * behind a backed-up queue: the scripted demo's receiving delay (7.1.9). 0 delivers at once.
   */
  setHold(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`hold must be a duration in ms, got ${ms}`);
    this.#holdMs = ms;
  }

  /** Delivers an accepted message: at once, or after the hold in force when it was accepted. */
  accept(address: string, raw: Buffer): void {
    if (this.#holdMs === 0) return void this.deliver(address, raw);
    const timer = setTimeout(() => {
      this.#held.delete(timer);
      this.deliver(address, raw);
    }, this.#holdMs);
    timer.unref();
    this.#held.add(timer);
  }

  /** Drops messages still held (the target is stopping): nothing fires after stop. */
  dropHeld(): void {
    for (const timer of this.#held) clearTimeout(timer);
    this.#held.clear();
  }

  /** The INBOX's messages in UID order (sequence number = index + 1 for a fresh session). */
  messages(address: string): readonly StoredMessage[] {
    return this.#box(address).messages;
  }

  /** The UID the next delivered message will get (IMAP UIDNEXT). */
  uidNext(address: string): number {
    return this.#box(address).uidNext;
  }

  /** Removes messages by UID (IMAP EXPUNGE, POP3 QUIT after DELE); returns the UIDs removed. */
  remove(address: string, uids: Iterable<number>): number[] {
    const box = this.#box(address);
    const gone = new Set(uids);
    const removed = box.messages.filter((m) => gone.has(m.uid)).map((m) => m.uid);
    if (removed.length === 0) return [];
    box.messages = box.messages.filter((m) => !gone.has(m.uid));
    this.#events.emit(key(address));
    return removed;
  }

  /** Calls `listener` after every delivery or removal in the address's INBOX; returns the unsubscribe. */
  onChange(address: string, listener: () => void): () => void {
    const k = key(address);
    this.#events.on(k, listener);
    return () => this.#events.off(k, listener);
  }

  /** Keeps a message for a foreign domain (a later demo may relay it to a probe's sink). */
  queueOutbound(message: Omit<OutboundMessage, "queuedAt">): void {
    this.#outbound.push({ ...message, queuedAt: new Date() });
    if (this.#outbound.length > MAX_OUTBOUND) this.#outbound.shift();
  }

  /** The outbound messages kept so far, oldest first. */
  outbound(): readonly OutboundMessage[] {
    return this.#outbound;
  }

  #box(address: string): Mailbox {
    const box = this.#boxes.get(key(address));
    if (!box) throw new Error(`no mailbox for ${address}`);
    return box;
  }
}

function key(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * Checks a login and returns the mailbox address it opens, or undefined. One function shared by
 * submission, IMAP, POP3 and webmail, so every service agrees on who may log in.
 */
export type Authenticate = (user: string, pass: string) => string | undefined;
