import { z } from "zod";
import { Duration } from "./duration.js";

/**
 * Configuration of the delivery-delay probes (SPEC 7.1.8, 7.1.9, 7.1.12): the agent's own sink SMTP
 * server and the probe messages it sends. Wired into the one schema (config/schema.ts) as the optional
 * top-level keys `sink` and `deliveries`; the cross-references to services, accounts, segments and
 * vantage points are checked here by {@link checkDeliveryReferences}, with key paths like the rest.
 */

const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/i, "expected a name of letters, digits, '.', '_' or '-'");

/** Placeholder in `sink.domain` and `sink.listen` replaced by the agent's vantage point, so each agent has its own MX. */
export const VANTAGE_PLACEHOLDER = "{vantage}";

const DomainTemplate = z
  .string()
  .regex(
    /^(?:[a-z0-9-]+|\{vantage\})(?:\.(?:[a-z0-9-]+|\{vantage\}))+$/i,
    'expected a domain such as "sink.example.net" or "{vantage}.sink.example.net"',
  );

/**
 * The agent's sink SMTP server: the MX of a probe-owned domain points at it, so the operator's MTA
 * relays sending-delay probes (7.1.8) to it and the moment it connects ends the measurement.
 */
export const Sink = z.strictObject({
  /**
   * host:port; `{vantage}` in the host is replaced by the agent's vantage point, so several agents
   * on one host sharing one file each bind their own address (e.g. mx.{vantage}.sink.example.net:25).
   */
  listen: z
    .string()
    .regex(/^[^:]+:\d{1,5}$/, "expected host:port, e.g. 0.0.0.0:25 or mx.{vantage}.sink.example.net:25")
    .default("0.0.0.0:25"),
  /** The probe domain; `{vantage}` is replaced by the agent's vantage point (one MX per agent). */
  domain: DomainTemplate,
  /** Certificate and key for STARTTLS; without them the sink offers no STARTTLS (plain SMTP). */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
});
export type Sink = z.infer<typeof Sink>;

/** What one probe measures: 7.1.8 sending delay, 7.1.9 receiving delay, or a user's round trip. */
export const DeliveryDirection = z.enum(["send", "receive", "roundtrip"]);
export type DeliveryDirection = z.infer<typeof DeliveryDirection>;

/**
 * One delivery probe. `via` is the service the message is handed to (a submission service for send
 * and roundtrip, an smtp (MX) service for receive); `mailbox` the imap or pop3 service it is read in.
 */
export const Delivery = z.strictObject({
  name: Name,
  direction: DeliveryDirection,
  via: z.string().min(1),
  mailbox: z.string().min(1).optional(),
  /** Where receive and roundtrip messages go; default: the mailbox account's username. */
  recipient: z.email().optional(),
  /** Envelope and header sender of receive messages; default: mailsla@<sink domain>. */
  from: z.email().optional(),
  interval: Duration.default(300_000),
  /** A message not arrived after this long is lost (7.1.12). */
  lossTimeout: Duration.default(6 * 3_600_000),
  /** Bound of one SMTP session handing the message over. */
  timeout: Duration.default(60_000),
  /** How often a POP3 mailbox, or an IMAP server without IDLE, is polled while messages are in flight. */
  pollInterval: Duration.default(5_000),
  segments: z.array(z.string()).min(1).optional(),
  vantagePoints: z.array(z.string()).min(1).optional(),
});
export type Delivery = z.infer<typeof Delivery>;

/** What the cross-reference check needs to know of the rest of the configuration. */
interface ReferencedConfig {
  sink?: Sink | undefined;
  deliveries: Delivery[];
  services: { name: string; kind: string; account?: string }[];
  accounts: Record<string, { username: string }>;
  segments: { name: string }[];
  vantagePoints: { name: string }[];
}

const VIA_KIND = { send: "submission", roundtrip: "submission", receive: "smtp" } as const;

/**
 * Checks the deliveries against the services, accounts, segments and vantage points, reporting each
 * problem at its key path (deliveries[i].via, ...), so nothing later meets a dangling name.
 */
export function checkDeliveryReferences(c: ReferencedConfig, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const services = new Map(c.services.map((s) => [s.name, s]));
  const seen = new Set<string>();
  c.deliveries.forEach((d, i) => {
    const at = (...p: (string | number)[]) => ["deliveries", i, ...p];
    if (seen.has(d.name)) issue(at("name"), `duplicate delivery "${d.name}"`);
    seen.add(d.name);
    const via = services.get(d.via);
    if (!via) issue(at("via"), `unknown service "${d.via}"`);
    else if (via.kind !== VIA_KIND[d.direction]) {
      issue(
        at("via"),
        `${d.direction} goes via a ${VIA_KIND[d.direction]} service; "${d.via}" is ${via.kind}`,
      );
    }
    if (d.direction === "send") checkSend(d, c, at, issue);
    else checkMailbox(d, c, services, at, issue);
    checkNames(d.segments, c.segments, at("segments"), "segment", issue);
    checkNames(d.vantagePoints, c.vantagePoints, at("vantagePoints"), "vantage point", issue);
  });
}

type Issue = (path: (string | number)[], message: string) => void;
type At = (...p: (string | number)[]) => (string | number)[];

function checkSend(d: Delivery, c: ReferencedConfig, at: At, issue: Issue): void {
  if (d.mailbox) issue(at("mailbox"), "send messages go to the sink, not to a mailbox");
  if (d.recipient) issue(at("recipient"), "send messages go to <token>@<sink.domain>; recipient is not used");
  if (!c.sink) {
    issue(
      at("direction"),
      "send needs the sink: define sink.domain (the probe domain whose MX is the agent)",
    );
    return;
  }
  const agents = d.vantagePoints?.length ?? c.vantagePoints.length;
  if (agents > 1 && !c.sink.domain.includes(VANTAGE_PLACEHOLDER)) {
    issue(
      ["sink", "domain"],
      `${agents} vantage points run send probes but share one sink domain; use "{vantage}.${c.sink.domain}" so each agent has its own MX`,
    );
  }
}

function checkMailbox(
  d: Delivery,
  c: ReferencedConfig,
  services: Map<string, ReferencedConfig["services"][number]>,
  at: At,
  issue: Issue,
): void {
  if (!d.mailbox) {
    issue(at("mailbox"), `${d.direction} needs a mailbox: the imap or pop3 service the message is read in`);
    return;
  }
  const box = services.get(d.mailbox);
  if (!box) return issue(at("mailbox"), `unknown service "${d.mailbox}"`);
  if (box.kind !== "imap" && box.kind !== "pop3") {
    return issue(at("mailbox"), `the mailbox must be an imap or pop3 service; "${d.mailbox}" is ${box.kind}`);
  }
  const username = box.account ? c.accounts[box.account]?.username : undefined;
  if (!d.recipient && username !== undefined && !username.includes("@")) {
    issue(at("recipient"), `missing; the account "${box.account}" of "${d.mailbox}" is not an address`);
  }
  if (d.direction === "receive" && !d.from && !c.sink) {
    issue(at("from"), "missing; give the sender address (or define sink.domain for mailsla@<sink.domain>)");
  }
}

function checkNames(
  names: string[] | undefined,
  known: { name: string }[],
  path: (string | number)[],
  what: string,
  issue: Issue,
): void {
  const set = new Set(known.map((k) => k.name));
  names?.forEach((n, j) => {
    if (!set.has(n)) issue([...path, j], `unknown ${what} "${n}"`);
  });
}

/** The deliveries this vantage point runs: all, or those that name it in `vantagePoints`. */
export function deliveriesFor(deliveries: readonly Delivery[], vantage: string): Delivery[] {
  return deliveries.filter((d) => !d.vantagePoints || d.vantagePoints.includes(vantage));
}

/** The sink domain of one agent, `{vantage}` replaced: the domain its send probes are addressed to. */
export function sinkDomain(sink: Pick<Sink, "domain">, vantage: string): string {
  return sink.domain.split(VANTAGE_PLACEHOLDER).join(vantage.toLowerCase()).toLowerCase();
}

/** The sink address of one agent, `{vantage}` replaced: where that agent's sink listens. */
export function sinkListen(sink: Pick<Sink, "listen">, vantage: string): string {
  return sink.listen.split(VANTAGE_PLACEHOLDER).join(vantage.toLowerCase());
}
