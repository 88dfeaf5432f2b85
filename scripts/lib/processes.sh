# shellcheck shell=bash
# stop_recorded_test_processes: ends the helper process groups a test binary started and could
# not end itself because it was killed (chromedriver with the Chromium it starts, the Node IdP
# and SMTP server, Dovecot). The test harness (tests/it/processes.rs) records each group it
# starts as target/test-processes/GROUP-ID, holding the program and its start time, and removes
# the record when it ends the group. Only recorded groups are ended, by their ids, and only while
# they are still the group that was recorded: never processes found by a name pattern.

# The start time of a process (clock ticks since boot, /proc/PID/stat field 22).
process_start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # Fields after the command name, which is in parentheses and may hold spaces: field 3 on.
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

# is_recorded_group GROUP STARTED MEMBER…: the leader, if alive, is the recorded process, and
# every member started no earlier than it (they are its descendants, not a later group's).
is_recorded_group() {
  local group=$1 started=$2 member member_start
  shift 2
  [ -n "$started" ] || return 1
  if [ -e "/proc/$group" ] && [ "$(process_start_time "$group")" != "$started" ]; then
    return 1
  fi
  for member in "$@"; do
    member_start=$(process_start_time "$member") || continue
    [ "$member_start" -ge "$started" ] || return 1
  done
}

stop_recorded_test_processes() {
  local dir="${CARGO_TARGET_DIR:-target}/test-processes" record group program started members
  [ -d "$dir" ] || return 0
  for record in "$dir"/*; do
    [ -f "$record" ] || continue
    group=${record##*/}
    program="" started=""
    read -r program started < "$record" || true
    case "$group" in
      '' | *[!0-9]*) ;;
      *)
        members=$(ps -e -o pid=,pgid= | awk -v group="$group" '$2 == group { print $1 }')
        # shellcheck disable=SC2086
        if [ -n "$members" ] && is_recorded_group "$group" "$started" $members; then
          echo "Ending the test helper group $group ($program) that a killed test run left behind."
          kill -KILL -- "-$group" 2>/dev/null || true
        fi
        ;;
    esac
    rm -f "$record"
  done
}
