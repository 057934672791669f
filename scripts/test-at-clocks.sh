#!/usr/bin/env bash
# Runs the whole test suite under Debian's faketime at four IST moments that have broken
# clock-dependent tests before: a trading Monday morning, a Saturday, an NSE holiday and the last
# seconds of a day. CI runs at every hour, so every one of them must be green.
#   scripts/test-at-clocks.sh            all four
#   scripts/test-at-clocks.sh holiday    one of them (monday | saturday | holiday | midnight)
# Needs `faketime` (apt-get install faketime) and the .venv that `make test` creates. The clock
# starts at the moment and then runs (the '@' form). Only the wall clock is shifted: a shifted
# monotonic clock makes every timed wait in Python (lock and condition timeouts) hang, because
# glibc waits on the real monotonic clock for a deadline computed on the fake one.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A CLOCKS=(
  [monday]="2026-12-07 04:30:00"    # Mon 10:00 IST, inside the NSE session
  [saturday]="2026-12-05 06:30:00"  # Sat 12:00 IST
  [holiday]="2026-12-25 04:30:00"   # Fri 10:00 IST, Christmas: an NSE trading holiday
  [midnight]="2026-12-08 18:29:30"  # Tue 23:59:30 IST, half a minute before the date changes
)
ORDER=(monday saturday holiday midnight)

command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime" >&2; exit 2; }
[ -x .venv/bin/python ] || make .venv/.installed-dev

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ORDER[@]}")
status=0
for name in "${names[@]}"; do
  moment=${CLOCKS[$name]:?unknown clock $name (monday | saturday | holiday | midnight)}
  echo "=== $name: the suite at $moment UTC ==="
  if TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$moment" .venv/bin/python -m pytest -q -p no:cacheprovider; then
    echo "=== $name: green ==="
  else
    echo "=== $name: FAILED ==="
    status=1
  fi
done
exit $status
