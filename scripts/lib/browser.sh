# shellcheck shell=bash
# ensure_browser: Debian's Chromium and ChromeDriver (with a colour emoji font, so request types'
# icons show in screenshots as people's browsers show them), and the npm packages the tests use.

ensure_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] \
     || [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "Chromium is missing and this is not root: install the 'chromium', 'chromium-driver' and 'fonts-noto-color-emoji' packages." >&2
      return 1
    fi
    echo "Installing Chromium, ChromeDriver and an emoji font from Debian's packages…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji >/dev/null
  fi
}

ensure_node_packages() {
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "npm is missing: install Node.js and npm." >&2
      return 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  # Reinstall when the lock file changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.portico-lock; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.portico-lock
  fi
}
