import { simpleParser, type ParsedMail } from "mailparser";
import { stackImapClient } from "../helpers/stack-imap.js";
import type { MailStack } from "../stack/mail-stack.js";

/**
 * Reading a mailbox of the test stack's Dovecot over IMAPS, as a recipient's client would: the
 * report e-mail tests fetch what Postfix delivered and parse it with mailparser.
 */

/**
 * Waits (up to `timeoutMs`) for alice's INBOX to hold at least `atLeast` messages, then fetches and
 * parses every message in it, CID links kept so the HTML can be matched with its images.
 */
export async function fetchInbox(stack: MailStack, atLeast = 1, timeoutMs = 30_000): Promise<ParsedMail[]> {
  const client = stackImapClient(stack, stack.users.alice);
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await client.status("INBOX", { messages: true });
      if ((status ? (status.messages ?? 0) : 0) >= atLeast || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const lock = await client.getMailboxLock("INBOX");
    try {
      const out: ParsedMail[] = [];
      for await (const m of client.fetch("1:*", { source: true }))
        out.push(await simpleParser(m.source!, { keepCidLinks: true }));
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}
