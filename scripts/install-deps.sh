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
want openssl openssl
want script bsdutils
want pdftotext poppler-utils
want pdftoppm poppler-utils
want /usr/bin/chromium chromium

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing Debian packages: ${need[*]}" >&2
  echo "install-deps: run as root: sudo bash scripts/install-deps.sh" >&2
  exit 1
fi
echo "install-deps: installing ${need[*]}"
apt-get update -q
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
