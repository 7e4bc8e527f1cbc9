/**
 * A private authoritative DNS server (Knot DNS from Debian) for the test stack: zones written from
 * records the test gives, served on a free loopback port (UDP and TCP) from a temporary directory,
 * changed record by record while it runs (zone file rewritten, serial bumped, `knotc zone-reload`),
 * and torn down afterwards. Exists so sender-authentication and blocklist checks are tested against a
 * real name server, with real SPF, DKIM, DMARC, PTR and DNSBL answers, not a mocked resolver.
 */
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { allocatePorts, type PortLease } from "./ports.js";
import { requireBinaries, run, waitFor, stopChild } from "./proc.js";

/** The binaries the DNS server needs, with the Debian package named when one is missing. */
export const DNS_BINARIES = ["knotd", "knotc"] as const;

/** Record types the test zones use. */
export type RecordType = "A" | "AAAA" | "TXT" | "PTR" | "MX" | "CNAME" | "NS";

/** One resource record; `name` is absolute (a trailing dot is optional). */
export interface DnsRecord {
  name: string;
  type: RecordType;
  /** Presentation value; for TXT the text itself (split into 255-byte strings and quoted here). */
  value: string;
  ttl?: number;
}

/** A running private name server. */
export interface DnsServer {
  host: "127.0.0.1";
  port: number;
  /** `127.0.0.1:PORT`, what `Resolver#setServers` and the configuration's resolver take. */
  server: string;
  /** Its temporary directory (knot.conf, zones/, knot.log); removed by stop(). */
  dir: string;
  /** Replaces every record of `name` and `type` with these values ([] removes them); waits until served. */
  set(name: string, type: RecordType, values: string[], ttl?: number): Promise<void>;
  /** The records of `name` and `type` now (as last set). */
  get(name: string, type: RecordType): string[];
  /** Knot's log, for a failing test's message. */
  log(): Promise<string>;
  /** Stops knotd, releases the port, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const abs = (name: string): string => `${name.replace(/\.$/, "").toLowerCase()}.`;

/** Throws, naming the package and the install script, when Knot is not installed. */
export function requireKnot(): void {
  try {
    requireBinaries(DNS_BINARIES);
  } catch {
    throw new Error(
      "test DNS server: knotd/knotc (Debian package knot) are missing; run: sudo bash scripts/install-deps.sh",
    );
  }
}

/** The zone of a name: the longest configured zone it ends in. */
function zoneOf(zones: readonly string[], name: string): string {
  const n = abs(name);
  const hit = zones.filter((z) => n === z || n.endsWith(`.${z}`)).sort((a, b) => b.length - a.length)[0];
  if (!hit) throw new Error(`test DNS server: ${name} is in none of the zones ${zones.join(", ")}`);
  return hit;
}

/** A TXT value as quoted strings of at most 255 bytes (DKIM keys are longer than one string). */
function txt(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length || parts.length === 0; i += 255) parts.push(value.slice(i, i + 255));
  return parts.map((p) => `"${p.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(" ");
}

/** The zone file text of one zone. */
function zoneFile(zone: string, serial: number, records: readonly DnsRecord[]): string {
  const lines = [
    `$ORIGIN ${zone}`,
    `$TTL 60`,
    `@ 60 IN SOA ns.${zone} hostmaster.${zone} ${serial} 3600 600 86400 1`,
    `@ 60 IN NS ns.${zone}`,
    `ns.${zone} 60 IN A ${HOST}`,
  ];
  for (const r of records) {
    const value = r.type === "TXT" ? txt(r.value) : r.value;
    lines.push(`${abs(r.name)} ${r.ttl ?? 60} IN ${r.type} ${value}`);
  }
  return `${lines.join("\n")}\n`;
}

function knotConf(dir: string, port: number, zones: readonly string[]): string {
  return `# Private Knot DNS of a mailsla test (generated)
server:
    rundir: "${dir}/run"
    listen: ${HOST}@${port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "${dir}/db"
control:
    listen: "${dir}/run/knot.sock"
log:
  - target: "${dir}/knot.log"
    any: info
template:
  - id: default
    storage: "${dir}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
${zones.map((z) => `  - domain: ${z}`).join("\n")}
`;
}

/** Whether UDP 127.0.0.1:port can be bound now (allocatePorts checks TCP only). */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind({ address: HOST, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function udpAndTcpPort(): Promise<PortLease> {
  for (let i = 0; i < 20; i++) {
    const lease = await allocatePorts(1);
    if (await udpFree(lease.ports[0]!)) return lease;
    lease.release();
  }
  throw new Error("test DNS server: no loopback port free for both UDP and TCP");
}

/**
 * Starts Knot on a free loopback port with `zones` (zone apex -> records, each name inside its zone)
 * and resolves once every zone answers its SOA. Throws with the install command if Knot is missing.
 */
export async function startDnsServer(zones: Record<string, DnsRecord[]>): Promise<DnsServer> {
  requireKnot();
  if (process.getuid?.() !== 0) throw new Error("test DNS server: run the tests as root (knotd)");
  const dir = await mkdtemp("/tmp/mailsla-dns-");
  const names = Object.keys(zones).map(abs);
  const records = new Map<string, DnsRecord[]>(names.map((z, i) => [z, [...Object.values(zones)[i]!]]));
  let serial = 1;
  let lease: PortLease | undefined;
  let child: ChildProcess | undefined;
  const conf = path.join(dir, "knot.conf");
  const knotc = (...args: string[]) => run("knotc", ["-c", conf, ...args]);
  const writeZone = async (zone: string): Promise<void> => {
    const file = path.join(dir, "zones", `${zone}zone`);
    await writeFile(`${file}.new`, zoneFile(zone, serial, records.get(zone)!));
    await rename(`${file}.new`, file);
  };
  const resolver = (port: number): Resolver => {
    const r = new Resolver({ timeout: 300, tries: 1 });
    r.setServers([`${HOST}:${port}`]);
    return r;
  };
  const serves = async (port: number, zone: string, want: number): Promise<boolean> =>
    (await resolver(port).resolveSoa(zone.slice(0, -1))).serial === want;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    lease?.release();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const sub of ["run", "db", "zones"]) await mkdir(path.join(dir, sub));
    for (const zone of names)
      for (const r of records.get(zone)!)
        if (zoneOf(names, r.name) !== zone) throw new Error(`test DNS server: ${r.name} is not in ${zone}`);
    lease = await udpAndTcpPort();
    const port = lease.ports[0]!;
    await writeFile(conf, knotConf(dir, port, names));
    for (const zone of names) await writeZone(zone);
    await knotc("conf-check");
    child = spawn("knotd", ["-c", conf], { stdio: "ignore" });
    const exited = new Promise<never>((_, reject) =>
      child!.once("exit", (code) => reject(new Error(`knotd exited with ${code}: see ${dir}/knot.log`))),
    );
    for (const zone of names)
      await Promise.race([
        exited,
        waitFor(`knotd serving ${zone} on ${port}`, () => serves(port, zone, serial)),
      ]);
    exited.catch(() => undefined);
    let stopped: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      server: `${HOST}:${port}`,
      dir,
      get: (name, type) =>
        (records.get(zoneOf(names, name)) ?? [])
          .filter((r) => abs(r.name) === abs(name) && r.type === type)
          .map((r) => r.value),
      async set(name, type, values, ttl) {
        const zone = zoneOf(names, name);
        const kept = records.get(zone)!.filter((r) => !(abs(r.name) === abs(name) && r.type === type));
        records.set(zone, [
          ...kept,
          ...values.map((value) => ({ name, type, value, ...(ttl ? { ttl } : {}) })),
        ]);
        serial += 1;
        await writeZone(zone);
        const want = serial;
        await knotc("zone-reload", zone);
        await waitFor(`knotd serving serial ${want} of ${zone}`, () => serves(port, zone, want));
      },
      log: () => readFile(path.join(dir, "knot.log"), "utf8").catch(() => ""),
      stop: () => (stopped ??= stop()),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
