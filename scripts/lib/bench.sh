# shellcheck shell=bash
# ensure_bench_tools: the load generator (wrk) and the ceiling (nginx) the load benchmark starts
# itself, from Debian's packages. nginx-light's package does not start a server of its own here
# (no init system); the benchmark starts its own on a free port and ends it by its id.

ensure_bench_tools() {
  if ! command -v wrk >/dev/null || { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; }; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "wrk or nginx is missing and this is not root: install the 'wrk' and 'nginx-light' packages." >&2
      return 1
    fi
    echo "Installing wrk and nginx from Debian's packages…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
  fi
}
