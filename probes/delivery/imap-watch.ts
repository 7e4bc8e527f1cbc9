import { ImapFlow, type FetchMessageObject, type FetchQueryObject } from "imapflow";
import { retryDelay } from "../../contract/backoff.js";
import type { ServiceOf } from "../../config/services.js";
import type { Credentials } from "../kinds/kind.js";
import { nodeTlsOptions, tlsClientOptions } from "../net/tls.js";
import { instant } from "./inflight.js";
import { PROBE_HEADER, VANTAGE_HEADER } from "./message.js";
import type { Detection } from "../../contract/delivery-result.js";
import { probeOf, Wake, type MailboxArrival, type Watcher, type WatcherDeps } from "./watch.js";

/**
 * Watches one IMAP mailbox for probe messages: a NOOP burst right after a send, then (mode auto) IDLE
 * as a wake-up with a NOOP at the poll interval while messages are awaited, IDLE alone (mode idle) or
 * NOOP polling (mode poll, or no IDLE), a look into the Junk folder while messages are awaited (and
 * at least every `idleRenewMs`), and a SEARCH for every probe message after each (re)connect, so
 * messages that landed while the server restarted are still matched. While nothing is awaited the
 * connection stays selected and quiet, with a NOOP after `idleRenewMs` without traffic: IDLE would
 * only add a DONE and an IDLE to every probe. Probe messages taken from the inbox are deleted in
 * batches of `tuning.deleteBatch` (and at that NOOP): each STORE and EXPUNGE is a round trip.
 * Reconnects back off exponentially; each outage is logged once, and so is its end.
 *
 * Error bound: `knownUntil` is the latest moment the mailbox was observed without unseen messages:
 * the send time of the last NOOP/FETCH/SEARCH whose answer was complete. IDLE only wakes the watcher:
 * servers push late (Dovecot ~0.5 s; Cyrus without idled up to `imapidlepoll`, 60 s), so no push delay
 * is assumed. A message seen at `t` arrived after `knownUntil`: `t - knownUntil` bounds how early it
 * may really have arrived, on any server.
 */
export function watchImap(service: ServiceOf<"imap">, account: Credentials, deps: WatcherDeps): Watcher {
  return new ImapWatcher(service, account, deps);
}

type Client = ImapFlow;

/**
 * What is fetched of a message: its UID and the header fields a probe is read from (token, vantage
 * point, Date for the age of other agents' probes, Received for the hops), not the whole header:
 * DKIM signatures and authentication results are most of its bytes.
 */
const PROBE_FIELDS = {
  uid: true,
  headers: [PROBE_HEADER, VANTAGE_HEADER, "Date", "Received"],
} satisfies FetchQueryObject;

/** An EXISTS the server sent: messages up to `count` (sequence numbers) were visible at `at`. */
interface ExistsEvent {
  at: number;
  count: number;
  lower: number;
  detection: Detection;
  /** Kept once already for a FETCH that did not cover it. */
  kept?: boolean;
}

class ImapWatcher implements Watcher {
  private stopped = false;
  private client: Client | undefined;
  private readonly wake = new Wake();
  private readonly loop: Promise<void>;
  private burstUntil = -Infinity;
  private knownUntil = -Infinity;
  private idling = false;
  private events: ExistsEvent[] = [];
  private nextUid = 1;
  /** UIDs of taken probe messages in the watched mailbox, not yet deleted (`tuning.deleteBatch`). */
  private doomed: number[] = [];
  /** The UIDVALIDITY `doomed` belongs to: after a reconnect they are only valid under the same one. */
  private doomedValidity = "";
  /** When a command last went to the server (monotonic ms): the keep-alive counts from it. */
  private talkedAt = 0;
  private junk: { path: string; uidNext: number; checkedAt: number; due: number } | undefined;
  private failures = 0;
  /** When the current outage began (monotonic ms), for the one line that reports its end. */
  private outageSince = 0;
  /** The watched mailbox's path as the server names it (EXISTS of Junk, while selected, is not ours). */
  private watched = "";
  /** Aborted by stop(): a wait for a login turn or a host's back-off ends at once. */
  private readonly stopping = new AbortController();
  private markReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly service: ServiceOf<"imap">,
    private readonly account: Credentials,
    private readonly deps: WatcherDeps,
  ) {
    this.loop = this.run();
  }

  expect(): void {
    if (this.deps.tuning.burst) this.burstUntil = this.mono() + this.deps.tuning.burstMs;
    if (this.junk) this.junk.due = Math.min(this.junk.due, this.mono() + this.junkEvery());
    // without a burst, an IDLE in progress already watches in mode idle; in mode auto it must start
    // polling at the poll interval, and a slow poll must re-plan its wait
    const t = this.deps.tuning;
    if (t.burst || !this.idling || t.mode === "auto") this.wake.notify();
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.markReady();
    this.wake.notify();
    this.client?.close();
    await this.loop;
  }

  private mono(): number {
    return this.deps.clock.monotonic();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let error: unknown;
      try {
        await this.session();
      } catch (err) {
        error = err;
      } finally {
        this.client?.close();
        this.client = undefined;
        this.idling = false;
      }
      if (this.stopped) break;
      this.logDrop(error);
      this.failures += 1;
      await this.wake.wait(Math.max(this.reconnectDelay(), this.hostBackOff(error)));
    }
  }

  /** The first failure of an outage is a warning (a clean close too); the retries are debug lines. */
  private logDrop(err: unknown): void {
    const mailbox = this.service.name;
    if (this.failures > 0) {
      this.deps.log.debug({ err, mailbox, attempt: this.failures }, "IMAP watcher: reconnect failed");
      return;
    }
    this.outageSince = this.mono();
    const what = err
      ? "IMAP watcher disconnected; reconnecting with backoff"
      : "IMAP server closed the watcher's connection; reconnecting with backoff";
    this.deps.log.warn({ ...(err ? { err } : {}), mailbox }, what);
  }

  /**
   * `[LIMIT]` or `[UNAVAILABLE]` (RFC 5530) is the server asking clients to come back later: the
   * whole host is paused for new logins (every watcher and hand-over of this agent on it), longer
   * each time it repeats, and this watcher waits at least that long.
   */
  private hostBackOff(err: unknown): number {
    const code = (err as { serverResponseCode?: string } | undefined)?.serverResponseCode?.toUpperCase();
    if (!this.deps.limits || (code !== "LIMIT" && code !== "UNAVAILABLE")) return 0;
    const ms = this.deps.limits.backOff(this.service.host, `[${code}]`);
    this.deps.log.warn({ mailbox: this.service.name, code, ms }, "IMAP server asked to back off");
    return ms;
  }

  private reconnectDelay(): number {
    const t = this.deps.tuning;
    const max =
      this.deps.awaited() > 0 ? Math.min(t.reconnectAwaitedMaxMs, t.reconnectMaxMs) : t.reconnectMaxMs;
    return retryDelay(this.failures, t.reconnectMs, max);
  }

  /** One connection: log in, find Junk, SELECT, SEARCH every probe message, then watch until it drops. */
  private async session(): Promise<void> {
    await this.deps.limits?.login(this.service.host, this.stopping.signal);
    const client = (this.client = this.newClient());
    await client.connect();
    if (this.stopped) return;
    const junkBox = (await client.list()).find((b) => b.specialUse === "\\Junk");
    const box = await client.mailboxOpen(this.service.mailbox);
    this.watched = box.path;
    if (String(box.uidValidity) !== this.doomedValidity) this.doomed = [];
    this.doomedValidity = String(box.uidValidity);
    this.junk = junkBox && { path: junkBox.path, uidNext: 0, checkedAt: -Infinity, due: -Infinity };
    await this.sweep(client);
    if (this.failures > 0) {
      const seconds = Math.round(this.mono() - this.outageSince) / 1000;
      this.deps.log.info(
        { mailbox: this.service.name, attempts: this.failures, seconds },
        "IMAP watcher reconnected",
      );
      if (this.deps.awaited() > 0) this.expect();
    }
    this.failures = 0;
    this.deps.limits?.ok(this.service.host);
    this.markReady();
    while (!this.stopped && client.usable) {
      await this.step(client);
      if (this.junk && this.mono() >= this.junk.due && client.usable) await this.junkDue(client);
    }
  }

  private newClient(): Client {
    const { host, port, tls } = this.service;
    const client = new ImapFlow({
      host,
      port,
      secure: tls.mode === "implicit",
      doSTARTTLS: tls.mode === "starttls",
      ...(tls.mode === "none" ? {} : { tls: nodeTlsOptions(tlsClientOptions(tls, host)) }),
      auth: { user: this.account.username, pass: this.account.password.reveal() },
      logger: false,
      // the quiet connection's keep-alive NOOP must come before imapflow's inactivity timeout
      socketTimeout: Math.max(5 * 60_000, this.deps.tuning.idleRenewMs + 60_000),
      disableAutoIdle: true,
      disableCompression: true,
      clientInfo: { name: "mailsla" },
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
    });
    client.on("error", () => undefined);
    client.on("close", () => this.wake.notify());
    client.on("exists", (e) => {
      if (e.count <= e.prevCount || e.path !== this.watched) return;
      const at = this.mono();
      // an IDLE push says when we learned of it, not when it arrived: the bound starts at the last
      // moment the mailbox was seen without it, whatever the server's push delay
      const detection = this.idling ? "imap-idle" : "imap-poll";
      this.events.push({ at, count: e.count, lower: this.knownUntil, detection });
      this.wake.notify();
    });
    // an expunge (our batched delete or another client's) moves every later message down: an
    // event not fetched yet must follow, or it would match messages that came after it
    client.on("expunge", (e: { path?: string; seq?: number }) => {
      if (e.path !== this.watched || typeof e.seq !== "number") return;
      for (const ev of this.events) if (ev.count >= e.seq) ev.count -= 1;
    });
    return client;
  }

  /** Every probe message in the mailbox now: arrivals while disconnected, and stale ones to clean up. */
  private async sweep(client: Client): Promise<void> {
    const s = this.mono();
    this.talkedAt = s;
    const uids = (await client.search({ header: { [PROBE_HEADER]: "" } }, { uid: true })) || [];
    const box = client.mailbox;
    this.nextUid = Math.max(box ? Number(box.uidNext) : 1, ...uids.map((u) => u + 1));
    this.events = [];
    const doomed = new Set(this.doomed);
    const fresh = uids.filter((u) => !doomed.has(u));
    this.doomed = uids.filter((u) => doomed.has(u)); // taken before the drop; the rest are gone
    if (fresh.length > 0) {
      const messages = await client.fetchAll(fresh, PROBE_FIELDS, { uid: true });
      const seen = { at: this.mono(), lower: this.knownUntil, detection: "imap-search" as const };
      await this.process(client, messages, "inbox", () => seen);
    }
    this.knownUntil = Math.max(this.knownUntil, s);
    await this.deleteDoomed(client);
  }

  /** Waits for the next thing to do (burst poll, IDLE notification, slow poll, keep-alive) and does it. */
  private async step(client: Client): Promise<void> {
    const t = this.deps.tuning;
    const awaited = this.deps.awaited();
    // the burst ends early once every message sent to this mailbox has been seen: its NOOPs
    // cost CPU on both sides and would measure nothing more
    if (this.mono() < this.burstUntil && awaited > 0) {
      await this.wake.wait(t.burstPollMs);
      return this.poll(client);
    }
    if (awaited === 0) return this.quiet(client);
    if (t.mode === "poll" || !client.capabilities.has("IDLE")) {
      await this.wake.wait(t.pollMs);
      return this.poll(client);
    }
    await this.idleOnce(client);
  }

  /**
   * Nothing awaited: no command until a send wakes the watcher (its first poll comes with the burst:
   * the message cannot be there before DATA), the Junk check is due, or `idleRenewMs` passed without
   * traffic, when a NOOP keeps the connection alive and the taken messages are deleted.
   */
  private async quiet(client: Client): Promise<void> {
    const t = this.deps.tuning;
    const due = this.talkedAt + t.idleRenewMs;
    const until = Math.min(due, this.junk ? this.junk.due : Infinity);
    await this.wake.wait(until - this.mono());
    if (this.stopped || !client.usable || this.mono() < due || this.deps.awaited() > 0) return;
    await this.poll(client);
    await this.deleteDoomed(client);
  }

  /**
   * NOOP: the server reports new messages (EXISTS) in its answer. (A FETCH of what is new cannot
   * replace it: Dovecot evaluates a command on the session's view of the mailbox and reports new
   * mail only at its end.)
   */
  private async poll(client: Client): Promise<void> {
    if (!client.usable) return;
    const s = this.mono();
    this.talkedAt = s;
    await client.noop();
    await this.collect(client);
    this.knownUntil = Math.max(this.knownUntil, s);
  }

  /**
   * One IDLE: until a notification, a send (burst), a due Junk check, the renewal time, in mode auto
   * the poll interval while messages are awaited, or a drop. It ends in a FETCH or a NOOP, whose send
   * time is the next moment the mailbox is known complete.
   */
  private async idleOnce(client: Client): Promise<void> {
    const t = this.deps.tuning;
    this.idling = true;
    const idle = client.idle().catch(() => undefined);
    const poll = t.mode === "auto" && this.deps.awaited() > 0 ? t.pollMs : Infinity;
    const until = Math.min(t.idleRenewMs, poll, this.junk ? this.junk.due - this.mono() : Infinity);
    if (this.events.length === 0 && !this.stopped) await this.wake.wait(until);
    // from here on the server answers our commands: what it reports now is a poll's finding
    this.idling = false;
    if (this.events.length > 0) await this.collect(client);
    else await this.poll(client);
    await idle;
  }

  /** Fetches the messages announced since the last look and reports the probes among them. */
  private async collect(client: Client): Promise<void> {
    if (this.events.length === 0 || !client.usable) return;
    const f = this.mono();
    this.talkedAt = f;
    const messages = await client.fetchAll(`${this.nextUid}:*`, PROBE_FIELDS, { uid: true });
    const fetchedAt = this.mono();
    const fresh = messages.filter((m) => m.uid >= this.nextUid);
    // an EXISTS that came with the FETCH's answer may be for a message the FETCH did not cover
    // (servers report new mail at the end of a command): while the mailbox holds more messages than
    // the FETCH saw, its event stays and the next step fetches again (once: a count that never
    // matches, whatever the reason, must not make the watcher fetch in a loop)
    const lastSeq = messages.reduce((n, m) => Math.max(n, m.seq), 0);
    const events = this.events.splice(0);
    if ((client.mailbox ? client.mailbox.exists : 0) > lastSeq)
      this.events = events.filter((e) => e.count > lastSeq && !e.kept).map((e) => ({ ...e, kept: true }));
    const fallback = { at: fetchedAt, lower: this.knownUntil, detection: "imap-poll" as const };
    this.nextUid = Math.max(this.nextUid, ...fresh.map((m) => m.uid + 1));
    await this.process(client, fresh, "inbox", (m) => events.find((e) => e.count >= m.seq) ?? fallback);
    // the mailbox is known complete at f only if the FETCH covered everything announced
    if (this.events.length === 0) this.knownUntil = Math.max(this.knownUntil, f);
    if (this.doomed.length >= this.deps.tuning.deleteBatch) await this.deleteDoomed(client);
  }

  /** Deletes the taken messages of the watched mailbox (which must be selected). */
  private async deleteDoomed(client: Client): Promise<void> {
    if (this.doomed.length === 0 || !client.usable) return;
    this.deps.settle?.();
    const uids = this.doomed.splice(0);
    this.talkedAt = this.mono();
    await client.messageDelete(uids, { uid: true });
  }

  /**
   * The Junk check is due: looked into while messages are awaited (one may be filed there), else
   * put off until `idleRenewMs` after the last look, so a probe found in the inbox costs no STATUS.
   */
  private async junkDue(client: Client): Promise<void> {
    const junk = this.junk!;
    const periodic = junk.checkedAt + this.deps.tuning.idleRenewMs;
    if (this.deps.awaited() > 0 || this.mono() >= periodic) return this.checkJunk(client);
    junk.due = periodic;
  }

  /** Looks into Junk (STATUS); new messages there are fetched and reported as spam. */
  private async checkJunk(client: Client): Promise<void> {
    const junk = this.junk!;
    const s = this.mono();
    const status = await client.status(junk.path, { uidNext: true, messages: true });
    const d = this.mono();
    junk.due = d + this.junkEvery();
    const uidNext = status ? Number(status.uidNext ?? 0) : 0;
    if (status && uidNext !== junk.uidNext && (status.messages ?? 0) > 0) {
      const detection: Detection = junk.checkedAt === -Infinity ? "imap-search" : "imap-poll";
      const seen = { at: d, lower: junk.checkedAt, detection };
      await client.mailboxOpen(junk.path);
      const uids = (await client.search({ header: { [PROBE_HEADER]: "" } }, { uid: true })) || [];
      const messages = uids.length ? await client.fetchAll(uids, PROBE_FIELDS, { uid: true }) : [];
      await this.process(client, messages, "junk", () => seen);
      await this.reopenInbox(client);
    }
    junk.uidNext = uidNext;
    junk.checkedAt = s;
  }

  /** Back to the watched mailbox after Junk; what arrived meanwhile is collected at once. */
  private async reopenInbox(client: Client): Promise<void> {
    await client.mailboxOpen(this.service.mailbox);
    const box = client.mailbox;
    if (box && Number(box.uidNext) > this.nextUid) {
      this.events.push({
        at: this.mono(),
        count: box.exists,
        lower: this.knownUntil,
        detection: "imap-poll",
      });
      await this.collect(client);
    }
  }

  private junkEvery(): number {
    const t = this.deps.tuning;
    if (this.mono() < this.burstUntil) return t.burstPollMs * 10;
    return this.deps.awaited() > 0 ? t.junkCheckMs : t.idleRenewMs;
  }

  /**
   * Reports each probe message; those the runner says to delete are deleted at once in Junk, and
   * queued for {@link deleteDoomed} in the watched mailbox.
   */
  private async process(
    client: Client,
    messages: FetchMessageObject[],
    folder: MailboxArrival["folder"],
    seenAt: (m: FetchMessageObject) => { at: number; lower: number; detection: Detection },
  ): Promise<void> {
    const remove: number[] = [];
    for (const m of messages) {
      const probe = m.headers && probeOf(m.headers);
      if (!probe || this.stopped) continue;
      const seen = seenAt(m);
      const at = { mono: seen.at, wall: instant(this.deps.clock).wall - (this.mono() - seen.at) };
      const boundSeconds = (seen.at - seen.lower) / 1000;
      const verdict = this.deps.onArrival({ ...probe, folder, at, boundSeconds, detection: seen.detection });
      if (verdict === "delete") remove.push(m.uid);
    }
    if (folder === "inbox") this.doomed.push(...remove);
    else if (remove.length > 0 && client.usable) {
      this.deps.settle?.();
      await client.messageDelete(remove, { uid: true });
    }
  }
}
