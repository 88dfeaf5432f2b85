# shellcheck shell=bash
# ensure_imap_server: Debian's Dovecot, which the mail tests start as their real IMAP server
# (each test runs its own instance with its own configuration; the system service stays off).

ensure_imap_server() {
  if [ -x /usr/sbin/dovecot ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "Dovecot is missing and this is not root: install the 'dovecot-imapd' package." >&2
    return 1
  fi
  echo "Installing Dovecot (IMAP server for the mail tests) from Debian's packages…"
  apt-get update -qq
  # policy-rc.d keeps the package from starting a system-wide Dovecot.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
}
