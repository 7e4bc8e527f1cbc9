/**
 * A throw-away certificate authority for the test stack, made with the `openssl` CLI at start-up.
 * `openssl ca` is used because, in OpenSSL 3.0, it is the one command that takes explicit
 * -startdate/-enddate, which an already-expired certificate needs (x509 -days cannot go negative).
 * Keys are EC P-256: generated in milliseconds, unlike RSA.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "./proc.js";

/** The server certificates a test can switch the stack to, one per TLS failure mode a probe must see. */
export type CertKind = "valid" | "expired" | "wrong-name";

/** All certificate kinds, in a stable order, for loops in tests and set-up. */
export const CERT_KINDS: readonly CertKind[] = ["valid", "expired", "wrong-name"];

/** One server certificate: files for the daemons, PEM for assertions (e.g. comparing fingerprints). */
export interface ServerCert {
  certFile: string;
  keyFile: string;
  certPem: string;
}

/** The generated CA: clients trust `caPem`; daemons get one of `certs`. */
export interface TestCa {
  caFile: string;
  caPem: string;
  certs: Record<CertKind, ServerCert>;
}

/** Names and validity of the certificates; exported so docs and tests agree with what is generated. */
export interface CaOptions {
  /** DNS name in the valid and expired certificates (besides localhost and 127.0.0.1). */
  hostname: string;
  /** DNS name of the wrong-name certificate. */
  wrongName: string;
}

const DAY = 86_400_000;

/** The sections `openssl ca` and `openssl req` read; one extension section per SAN set. */
function opensslConfig(dir: string, o: CaOptions): string {
  return `[ ca ]
default_ca = testca
[ testca ]
database = ${dir}/index.txt
serial = ${dir}/serial
new_certs_dir = ${dir}/issued
certificate = ${dir}/ca.crt
private_key = ${dir}/ca.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ ext_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ ext_server ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:${o.hostname},DNS:localhost,IP:127.0.0.1
[ ext_wrong ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:${o.wrongName}
`;
}

/** ASN.1 GeneralizedTime as `openssl ca -startdate/-enddate` wants it: YYYYMMDDHHMMSSZ. */
function asn1Time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Creates the CA and the three server certificates in `dir`. Exists so every stack has its own
 * certificates, valid relative to "now", with no files checked into the repository.
 */
export async function createTestCa(dir: string, o: CaOptions): Promise<TestCa> {
  await mkdir(path.join(dir, "issued"), { recursive: true });
  const cnf = path.join(dir, "openssl.cnf");
  await writeFile(cnf, opensslConfig(dir, o));
  await writeFile(path.join(dir, "index.txt"), "");
  await writeFile(path.join(dir, "serial"), "1000\n");
  const now = Date.now();
  await issue(dir, cnf, "ca", "mailsla test CA", "ext_ca", now - 2 * DAY, now + 3650 * DAY, true);
  const specs: [CertKind, string, string, number, number][] = [
    ["valid", o.hostname, "ext_server", now - DAY, now + 365 * DAY],
    ["expired", o.hostname, "ext_server", now - 60 * DAY, now - DAY],
    ["wrong-name", o.wrongName, "ext_wrong", now - DAY, now + 365 * DAY],
  ];
  const certs = {} as Record<CertKind, ServerCert>;
  for (const [kind, cn, ext, from, to] of specs) {
    await issue(dir, cnf, kind, cn, ext, from, to, false);
    const certFile = path.join(dir, `${kind}.crt`);
    certs[kind] = {
      certFile,
      keyFile: path.join(dir, `${kind}.key`),
      certPem: await readFile(certFile, "utf8"),
    };
  }
  const caFile = path.join(dir, "ca.crt");
  return { caFile, caPem: await readFile(caFile, "utf8"), certs };
}

/** New key + CSR, then signed by the CA (or self-signed for the CA) with explicit dates. */
async function issue(
  dir: string,
  cnf: string,
  name: string,
  cn: string,
  ext: string,
  from: number,
  to: number,
  selfSign: boolean,
): Promise<void> {
  const file = (suffix: string): string => path.join(dir, `${name}.${suffix}`);
  await run("openssl", [
    ...["req", "-new", "-config", cnf, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", file("key"), "-out", file("csr"), "-subj", `/CN=${cn}`],
  ]);
  await run("openssl", [
    ...["ca", "-batch", "-notext", "-config", cnf, "-in", file("csr"), "-out", file("crt")],
    ...["-extensions", ext, "-startdate", asn1Time(from), "-enddate", asn1Time(to)],
    ...(selfSign ? ["-selfsign", "-keyfile", file("key")] : []),
  ]);
}
