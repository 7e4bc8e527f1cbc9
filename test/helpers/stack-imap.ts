import { ImapFlow } from "imapflow";
import type { MailStack, StackUser } from "../stack/mail-stack.js";

/** An IMAPS client (not yet connected) of the test stack's Dovecot as `user`, verified against the stack's CA. */
export function stackImapClient(stack: MailStack, user: StackUser): ImapFlow {
  return new ImapFlow({
    host: stack.host,
    port: stack.ports.imaps,
    secure: true,
    tls: { ca: [stack.caPem], servername: stack.hostname },
    auth: { user: user.user, pass: user.pass },
    logger: false,
  });
}
