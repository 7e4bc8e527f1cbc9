import type { KindRegistry } from "../run-check.js";
import type { AnyCheckKind } from "./kind.js";
import { dnsPolicyCheck } from "./dns-policy.js";
import { dnsblCheck } from "./dnsbl.js";
import { imapCheck } from "./imap.js";
import { pop3Check } from "./pop3.js";
import { relayCheck } from "./relay.js";
import { roleAddressesCheck } from "./role-addresses.js";
import { sendingLimitCheck } from "./sending-limit.js";
import { smtpCheck } from "./smtp.js";
import { submissionCheck } from "./submission.js";
import { webmailCheck } from "./webmail.js";

/** Every check module by its kind: the one place a new kind is registered (config/services.ts lists its schema). */
export const KINDS: KindRegistry = new Map<string, AnyCheckKind>(
  [
    smtpCheck,
    submissionCheck,
    relayCheck,
    imapCheck,
    pop3Check,
    webmailCheck,
    dnsblCheck,
    roleAddressesCheck,
    dnsPolicyCheck,
    sendingLimitCheck,
  ].map((k) => [k.kind, k]),
);
