import { z } from "zod";
import { Duration } from "./duration.js";
import { DnsblService, DnsPolicyService, SenderAuthService } from "./hygiene.js";

/**
 * The services a probe agent checks, one schema per check kind. Each entry is one endpoint of the
 * operator's mail system; its `kind` picks the module in probes/kinds/ that checks it.
 */

const PORT_RANGE = "expected a port number between 1 and 65535";
const Port = z.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65535, PORT_RANGE);

/**
 * TLS for one endpoint. Verification is on by default; a private CA (`caFile`) or no verification
 * (`verify: false`) is an explicit choice per endpoint, never a global switch.
 */
export const TlsOptions = z.strictObject({
  mode: z.enum(["none", "starttls", "implicit"]),
  verify: z.boolean().default(true),
  caFile: z.string().min(1).optional(),
  servername: z.string().min(1).optional(),
});
export type TlsOptions = z.infer<typeof TlsOptions>;

const common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'"),
  segments: z.array(z.string()).min(1).optional(),
  vantagePoints: z.array(z.string()).min(1).optional(),
  interval: Duration.optional(),
  timeout: Duration.optional(),
};

const socketService = {
  ...common,
  host: z.string().min(1),
  port: Port.optional(),
};

/** MX on port 25: banner, EHLO, STARTTLS and the certificate. */
export const SmtpService = z.strictObject({
  ...socketService,
  kind: z.literal("smtp"),
  tls: TlsOptions.default({ mode: "starttls", verify: true }),
  ehloName: z.string().min(1).optional(),
});

/** Submission (587 STARTTLS or 465 TLS): the probe account can AUTH, and AUTH is required (7.1.13). */
export const SubmissionService = z.strictObject({
  ...socketService,
  kind: z.literal("submission"),
  tls: TlsOptions.default({ mode: "starttls", verify: true }),
  account: z.string(),
  foreignRecipient: z.email({ error: "expected an e-mail address in a domain the operator does not host" }),
  ehloName: z.string().min(1).optional(),
});

/** Open-relay test of an MX (7.1.14): an unauthenticated relay attempt must be refused before DATA. */
export const RelayService = z.strictObject({
  ...socketService,
  kind: z.literal("relay"),
  tls: TlsOptions.default({ mode: "starttls", verify: true }),
  from: z.email(),
  foreignRecipient: z.email(),
  ehloName: z.string().min(1).optional(),
});

/**
 * The MX accepts mail for each hosted domain's role addresses (postmaster@, abuse@: RFC 2142, the
 * ISC marketing specification 2.2.6) at RCPT; the probe stops before DATA, as the relay check does.
 */
export const RoleAddressesService = z.strictObject({
  ...socketService,
  kind: z.literal("role-addresses"),
  tls: TlsOptions.default({ mode: "starttls", verify: true }),
  from: z.email(),
  domains: z
    .array(z.string().regex(/^([a-z0-9-]+\.)+[a-z0-9-]+$/i, "expected a domain name"))
    .min(1)
    .max(50),
  localParts: z
    .array(z.string().regex(/^[a-z0-9._+-]+$/i))
    .min(1)
    .max(10)
    .default(["postmaster", "abuse"]),
  ehloName: z.string().min(1).optional(),
});

/**
 * Per-user sending limits (7.1.15), opt-in: on a dedicated probe account, up to `burst` messages to
 * `recipient` (the probe's own sink) in one authenticated submission session, spread evenly over
 * `within` (back to back when absent); the first 4xx/5xx throttle ends the burst and is the pass.
 * Never more than `burst` messages: every run costs the operator that many accepted messages at
 * most, so `interval` is required and at least an hour. With `within`, the timeout defaults to
 * `within` plus a minute (a given one must be longer than `within`).
 */
export const SendingLimitService = z
  .strictObject({
    ...socketService,
    kind: z.literal("sending-limit"),
    interval: Duration.refine((ms) => ms >= 3_600_000, {
      error: "expected at least 1h: every run sends up to `burst` real messages",
    }),
    tls: TlsOptions.default({ mode: "starttls", verify: true }),
    account: z.string(),
    recipient: z.email({ error: "expected the e-mail address of the probe's own sink" }),
    burst: z.number().int().min(2).max(500),
    within: Duration.refine((ms) => ms <= 3_600_000, { error: "expected at most 1h" }).optional(),
    ehloName: z.string().min(1).optional(),
  })
  .refine((s) => s.within === undefined || s.timeout === undefined || s.timeout > s.within, {
    error: "expected a timeout longer than `within`: the burst is spread over `within`",
    path: ["timeout"],
  })
  // a burst spread over `within` needs that long and a minute for the session: the default timeout
  .transform((s) =>
    s.within !== undefined && s.timeout === undefined ? { ...s, timeout: s.within + 60_000 } : s,
  );

/**
 * How the delivery probes watch an IMAP mailbox (probes/delivery/watch.ts WatchMode): `auto` (IDLE
 * as a wake-up plus a NOOP every `pollInterval` while messages are awaited), `idle` (IDLE alone) or
 * `poll` (NOOP only, for servers whose IDLE is broken). `pollInterval` overrides the deliveries'.
 */
export const WatchOptions = z.strictObject({
  mode: z.enum(["auto", "idle", "poll"]).default("auto"),
  pollInterval: Duration.optional(),
});
export type WatchOptions = z.infer<typeof WatchOptions>;

/** IMAP (143 STARTTLS or 993 TLS): login with the probe account, select the mailbox. */
export const ImapService = z.strictObject({
  ...socketService,
  kind: z.literal("imap"),
  tls: TlsOptions.default({ mode: "implicit", verify: true }),
  account: z.string(),
  mailbox: z.string().default("INBOX"),
  /** How delivery probes watch this mailbox. */
  watch: WatchOptions.optional(),
});

/** POP3 (110 STLS or 995 TLS): login with the probe account, STAT. */
export const Pop3Service = z.strictObject({
  ...socketService,
  kind: z.literal("pop3"),
  tls: TlsOptions.default({ mode: "implicit", verify: true }),
  account: z.string(),
});

/** A form login to a webmail, with the probe account, and what the answer must look like. */
export const WebmailLogin = z.strictObject({
  url: z.url(),
  account: z.string(),
  usernameField: z.string().default("username"),
  passwordField: z.string().default("password"),
  extraFields: z.record(z.string(), z.string()).default({}),
  expectStatus: z.array(z.number().int().min(100).max(599)).default([200, 302, 303]),
  contains: z.string().optional(),
});

/** Webmail over HTTP(S): status, optional content match, optional login. */
export const WebmailService = z.strictObject({
  ...common,
  kind: z.literal("webmail"),
  url: z.url(),
  tls: z
    .strictObject({ verify: z.boolean().default(true), caFile: z.string().optional() })
    .default({ verify: true }),
  expectStatus: z.array(z.number().int().min(100).max(599)).default([200]),
  contains: z.string().optional(),
  login: WebmailLogin.optional(),
});

/** The check kinds, in one list: the schema, the docs and the module registry all follow it. */
export const CHECK_KINDS = [
  ...["smtp", "submission", "relay", "imap", "pop3", "webmail"],
  ...["sender-auth", "dnsbl", "role-addresses", "dns-policy", "sending-limit"],
] as const;
export type CheckKindName = (typeof CHECK_KINDS)[number];

const byKind = {
  smtp: SmtpService,
  submission: SubmissionService,
  relay: RelayService,
  imap: ImapService,
  pop3: Pop3Service,
  webmail: WebmailService,
  "sender-auth": SenderAuthService,
  dnsbl: DnsblService,
  "role-addresses": RoleAddressesService,
  "dns-policy": DnsPolicyService,
  "sending-limit": SendingLimitService,
} as const;

/**
 * One service entry. Parsed by its `kind` first so an unknown kind is reported as such, not as a
 * pile of mismatches against every other kind's schema.
 */
export const Service = z.unknown().transform((raw, ctx) => {
  const kind = (raw as { kind?: unknown } | null)?.kind;
  const schema = typeof kind === "string" ? byKind[kind as CheckKindName] : undefined;
  if (!schema) {
    const got = kind === undefined ? "nothing" : JSON.stringify(kind);
    ctx.addIssue({
      code: "custom",
      path: ["kind"],
      message: `unknown check kind ${got}; expected one of ${CHECK_KINDS.join(", ")}`,
    });
    return z.NEVER;
  }
  const r = (schema as z.ZodType).safeParse(raw);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }
  return withDefaultPort(r.data as ParsedService);
});

type ParsedService =
  | z.infer<typeof SmtpService>
  | z.infer<typeof SubmissionService>
  | z.infer<typeof RelayService>
  | z.infer<typeof ImapService>
  | z.infer<typeof Pop3Service>
  | z.infer<typeof WebmailService>
  | z.infer<typeof SenderAuthService>
  | z.infer<typeof DnsblService>
  | z.infer<typeof RoleAddressesService>
  | z.infer<typeof DnsPolicyService>
  | z.infer<typeof SendingLimitService>;

/** Kinds without a socket of their own (a URL, the sink, DNS only). */
type PortlessKind = "webmail" | "sender-auth" | "dnsbl" | "dns-policy";

const DEFAULT_PORTS: Record<Exclude<CheckKindName, PortlessKind>, { plain: number; implicit: number }> = {
  smtp: { plain: 25, implicit: 465 },
  submission: { plain: 587, implicit: 465 },
  relay: { plain: 25, implicit: 465 },
  imap: { plain: 143, implicit: 993 },
  pop3: { plain: 110, implicit: 995 },
  "role-addresses": { plain: 25, implicit: 465 },
  "sending-limit": { plain: 587, implicit: 465 },
};

type WithPort<S> = S extends { kind: PortlessKind } ? S : Omit<S, "port"> & { port: number };

/** A validated service, its port resolved from the kind and TLS mode when not given. */
export type ServiceConfig = WithPort<ParsedService>;

function withDefaultPort(s: ParsedService): ServiceConfig {
  if (s.kind === "webmail" || s.kind === "sender-auth" || s.kind === "dnsbl" || s.kind === "dns-policy")
    return s;
  const ports = DEFAULT_PORTS[s.kind];
  return {
    ...s,
    port: s.port ?? (s.tls.mode === "implicit" ? ports.implicit : ports.plain),
  } as ServiceConfig;
}
/** A validated service of one kind. */
export type ServiceOf<K extends CheckKindName> = Extract<ServiceConfig, { kind: K }>;
