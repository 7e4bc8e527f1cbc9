/**
 * The part of mailauth 4.9 (no types of its own) the sender-authentication check reads: results of
 * SPF, DKIM, DMARC and ARC for one message. Declared here so the check is type-checked against it.
 */
declare module "mailauth" {
  /** One verdict as mailauth reports it (RFC 8601 result words: pass, fail, softfail, none, ...). */
  interface AuthStatus {
    result: string;
    comment?: string;
    aligned?: string | false;
  }
  interface AuthenticateOptions {
    ip: string;
    helo?: string;
    sender?: string;
    mta?: string;
    resolver?: (name: string, rrtype: string) => Promise<unknown>;
    disableBimi?: boolean;
    minBitLength?: number;
  }
  interface AuthenticateResult {
    dkim: {
      results?: { signingDomain?: string; selector?: string; status: AuthStatus; info?: string }[];
      headerFrom?: string[];
    };
    spf: false | { domain?: string; status: AuthStatus; info?: string };
    dmarc:
      | false
      | {
          domain?: string;
          policy?: string;
          status: AuthStatus & { header?: { from?: string } };
          info?: string;
        };
    arc: false | { status: AuthStatus; i?: number; info?: string };
  }
  /** Seals a message with an ARC set (used by the tests to make a chain the check verifies). */
  export function sealMessage(
    input: Buffer | string,
    seal: { signingDomain: string; selector: string; privateKey: string; authResults: string; cv: string },
  ): Promise<Buffer>;
  export function authenticate(
    input: Buffer | string,
    opts: AuthenticateOptions,
  ): Promise<AuthenticateResult>;
}
