#!/usr/bin/env bash
# Installs what mailsla's tests and benchmarks need from Debian's packages, only what is missing.
# Run as root on a fresh Debian 12 machine (CI does this through .ci/run). Idempotent: a machine
# that has everything returns at once. Installing starts no system service.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
want() { # want BINARY PACKAGE...
  local bin=$1; shift
  have "$bin" || need+=("$@")
}
want /usr/sbin/postfix postfix
want /usr/sbin/dovecot dovecot-core
want /usr/lib/dovecot/imap dovecot-imapd
want /usr/lib/dovecot/pop3 dovecot-pop3d
want /usr/lib/dovecot/lmtp dovecot-lmtpd
want prometheus prometheus
want promtool prometheus
want prometheus-alertmanager prometheus-alertmanager
want amtool prometheus-alertmanager
want influxd influxdb
want mailexporter prometheus-mailexporter
want prometheus-blackbox-exporter prometheus-blackbox-exporter
want /usr/lib/nagios/plugins/check_email_delivery monitoring-plugins-contrib
# check_email_delivery's plugins load these Perl modules at run time; monitoring-plugins-contrib only
# recommends them, so --no-install-recommends leaves them out and every probe of the peer fails with
# "Missing perl modules". Named one by one: check_smtp_send --tls (Net::SMTP::TLS, which needs
# Digest::HMAC for CRAM-MD5), --ssl (Net::SMTP::SSL, Authen::SASL), check_imap_receive
# (Mail::IMAPClient; IO::Socket::SSL and Net::SSLeay for --ssl/--tls).
want_perl() { # want_perl MODULE PACKAGE
  perl -M"$1" -e 1 >/dev/null 2>&1 || need+=("$2")
}
want_perl Net::SMTP::TLS libnet-smtp-tls-perl
want_perl Digest::HMAC libdigest-hmac-perl
want_perl Net::SMTP::SSL libnet-smtp-ssl-perl
want_perl Authen::SASL libauthen-sasl-perl
want_perl Mail::IMAPClient libmail-imapclient-perl
want_perl IO::Socket::SSL libio-socket-ssl-perl
want_perl Net::SSLeay libnet-ssleay-perl
want openssl openssl
want script bsdutils
want pdftotext poppler-utils
want pdftoppm poppler-utils
want /usr/bin/chromium chromium
want systemd-analyze systemd # verifies deploy/systemd/ units (test/deploy/systemd.test.ts)
want knotd knot # authoritative DNS of the sender-hygiene tests (test/stack/dns.ts)
want knotc knot
want opendkim opendkim # DKIM-signs the test stack's outbound mail (test/stack/opendkim.ts)
# PostgreSQL 15, the ledger of larger operators (collector/store/postgres): the tests start a private
# server with initdb and pg_ctl from here (test/stack/postgres.ts); installing starts no service.
want /usr/lib/postgresql/15/bin/initdb postgresql-15
want /usr/lib/postgresql/15/bin/pg_ctl postgresql-15

# Cyrus IMAP 3.6 for the second mail system of the test stack (test/stack/cyrus.ts). Debian's
# cyrus-imapd conflicts with dovecot-imapd, so its packages are downloaded and unpacked into
# CYRUS_ROOT and run from there; only their shared libraries are installed with apt-get.
CYRUS_ROOT=${MAILSLA_CYRUS_ROOT:-/opt/mailsla/cyrus}
CYRUS_DEBS=(cyrus-common cyrus-imapd cyrus-pop3d)
CYRUS_LIBS=(libical3 libwrap0 libpcre3 libxapian30)
want saslpasswd2 sasl2-bin
for lib in "${CYRUS_LIBS[@]}"; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" || need+=("$lib")
done
cyrus_unpacked() { [ -x "$CYRUS_ROOT/usr/lib/cyrus/bin/imapd" ] && [ -f "$CYRUS_ROOT/.unpacked" ]; }
cyrus_user() { id cyrus >/dev/null 2>&1; }

if [ ${#need[@]} -eq 0 ] && cyrus_unpacked && cyrus_user; then
  echo "install-deps: everything is installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing: ${need[*]} $(cyrus_unpacked || echo "Cyrus in $CYRUS_ROOT")" >&2
  echo "install-deps: run as root: sudo bash scripts/install-deps.sh" >&2
  exit 1
fi
updated=
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}"
  apt-get update -q && updated=1
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
if ! cyrus_user; then
  # what cyrus-common's postinst would do: a system user in group mail
  useradd --system -g mail -d /nonexistent -s /usr/sbin/nologin cyrus
fi
if ! cyrus_unpacked; then
  echo "install-deps: unpacking ${CYRUS_DEBS[*]} into $CYRUS_ROOT"
  [ -n "$updated" ] || apt-get update -q
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"
  chown _apt "$tmp" 2>/dev/null || true # apt-get download drops privileges to _apt
  (cd "$tmp" && apt-get download -q "${CYRUS_DEBS[@]}")
  rm -rf "$CYRUS_ROOT.new"
  mkdir -p "$CYRUS_ROOT.new"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$CYRUS_ROOT.new"; done
  missing=$(LD_LIBRARY_PATH="$CYRUS_ROOT.new/usr/lib/x86_64-linux-gnu" ldd \
    "$CYRUS_ROOT.new"/usr/lib/cyrus/bin/{master,imapd,pop3d,lmtpd,ctl_cyrusdb,idled} | grep "not found" || true)
  if [ -n "$missing" ]; then
    echo "install-deps: Cyrus needs libraries not in CYRUS_LIBS:" >&2
    echo "$missing" >&2
    exit 1
  fi
  ls "$tmp"/*.deb | xargs -n1 basename >"$CYRUS_ROOT.new/.unpacked"
  rm -rf "$CYRUS_ROOT"
  mv "$CYRUS_ROOT.new" "$CYRUS_ROOT"
fi
echo "install-deps: done"
