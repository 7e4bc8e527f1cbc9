/**
 * OpenDKIM (Debian's opendkim) as a signing milter for the test stack's Postfix: a private instance on
 * a free loopback port with its own RSA key, signing every message Postfix takes over with
 * `d=<domain> s=<selector>`. Exists so the sender-authentication check verifies real signatures made
 * by a real signer on the real outbound path, not signatures the test made itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { allocatePorts, type PortLease } from "./ports.js";
import { canConnect, requireBinaries, waitFor, stopChild } from "./proc.js";

/** A running signer. */
export interface DkimSigner {
  /** What Postfix's smtpd_milters / non_smtpd_milters take: `inet:127.0.0.1:PORT`. */
  milter: string;
  domain: string;
  selector: string;
  /** The TXT record to publish at `<selector>._domainkey.<domain>`. */
  dnsRecord: string;
  /** A well-formed record of another key: publishing it instead breaks verification. */
  wrongDnsRecord: string;
  /** Its log (OpenDKIM logs to syslog only; this is its stderr). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** A new RSA-2048 key pair: the private key in PEM, the DKIM record of the public one. */
function keyPair(): { privatePem: string; record: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    privatePem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    record: `v=DKIM1; k=rsa; p=${der.toString("base64")}`,
  };
}

/**
 * Starts opendkim signing every message (SigningTable `*`) with a fresh key for `domain`/`selector`
 * and resolves once its milter port accepts connections. Throws naming the package when missing.
 */
export async function startDkimSigner(domain: string, selector = "mailsla"): Promise<DkimSigner> {
  try {
    requireBinaries(["opendkim"]);
  } catch {
    throw new Error(
      "test DKIM signer: opendkim (Debian package opendkim) is missing; run: sudo bash scripts/install-deps.sh",
    );
  }
  const dir = await mkdtemp("/tmp/mailsla-dkim-");
  let lease: PortLease | undefined;
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    lease?.release();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    lease = await allocatePorts(1);
    const port = lease.ports[0]!;
    const key = keyPair();
    const keyName = `${selector}._domainkey.${domain}`;
    await writeFile(path.join(dir, "key.private"), key.privatePem, { mode: 0o600 });
    await writeFile(path.join(dir, "keytable"), `${keyName} ${domain}:${selector}:${dir}/key.private\n`);
    await writeFile(path.join(dir, "signingtable"), `* ${keyName}\n`);
    await writeFile(
      path.join(dir, "opendkim.conf"),
      [
        "Syslog no",
        "Mode s",
        `Socket inet:${port}@127.0.0.1`,
        `KeyTable file:${dir}/keytable`,
        `SigningTable refile:${dir}/signingtable`,
        "Canonicalization relaxed/simple",
        "InternalHosts 127.0.0.1",
        "OversignHeaders From",
        // the key lives in a temporary directory under /tmp (world-writable): OpenDKIM would call it unsafe
        "RequireSafeKeys no",
        "Background no",
        `PidFile ${dir}/opendkim.pid`,
        "",
      ].join("\n"),
    );
    const stderr = path.join(dir, "stderr.log");
    const { openSync, closeSync } = await import("node:fs");
    const fd = openSync(stderr, "w");
    child = spawn("opendkim", ["-f", "-x", path.join(dir, "opendkim.conf")], { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    const exited = new Promise<never>((_, reject) =>
      child!.once("exit", async (code) =>
        reject(new Error(`opendkim exited with ${code}: ${await readFile(stderr, "utf8").catch(() => "")}`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([exited, waitFor(`opendkim on ${port}`, () => canConnect("127.0.0.1", port))]);
    let stopped: Promise<void> | undefined;
    return {
      milter: `inet:127.0.0.1:${port}`,
      domain,
      selector,
      dnsRecord: key.record,
      wrongDnsRecord: keyPair().record,
      log: () => readFile(stderr, "utf8").catch(() => ""),
      stop: () => (stopped ??= stop()),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
