# shellcheck shell=bash
# ensure_bench_tools: the load generator (wrk) and the ceiling (nginx) the load benchmark starts
# itself, from Debian's packages. nginx-light's package does not start a server of its own here
# (no init system); the benchmark starts its own on a port it checks is free and ends it by its id.

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

# bench_executable NAME: builds the benchmark NAME as `cargo bench` does (the bench profile) and
# prints the path of its executable, so that a script can run it with `--bench` and see its own
# exit code (through `cargo bench` every failure becomes 101). Fails when cargo names none.
bench_executable() {
  local path
  path=$(cargo bench --bench "$1" --no-run --quiet --message-format=json \
    | grep '"reason":"compiler-artifact"' | grep '"kind":\["bench"\]' | grep "\"name\":\"$1\"" \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  if [ ! -x "$path" ]; then
    echo "cargo built no executable for the benchmark '$1'" >&2
    return 1
  fi
  echo "$path"
}

# bench_outcome CODE: what a benchmark's exit code means (bench/load.rs, bench/upload.rs).
bench_outcome() {
  case "$1" in
    0) echo "PASS: every check held and every target was met" ;;
    1) echo "FAILED: a check failed (requests failed or were answered wrongly, or tickets were lost); its figures mean nothing" ;;
    2) echo "NOT RUN: wrk or nginx is missing" ;;
    3) echo "MISS: every check held, but a target was missed" ;;
    *) echo "CRASHED: exit $1 (a panic is 101); see its output" ;;
  esac
}
