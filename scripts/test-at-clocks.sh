#!/usr/bin/env bash
# Runs the whole test suite under libfaketime at four IST moments that have broken clock-dependent
# tests before: a trading Monday morning, a Saturday, an NSE holiday and the last seconds of a day.
# CI runs at every hour, so every one of them must be green.
#   scripts/test-at-clocks.sh            all four
#   scripts/test-at-clocks.sh holiday    one of them (monday | saturday | holiday | midnight)
#
# The clock starts at the moment and then runs. It is given as an offset from the real time, so
# every process of the run (the live hosts, strategies, Chromium) reads the same time; libfaketime's
# '@moment' form would start each new process at the moment again. Only the wall clock is shifted
# (FAKETIME_DONT_FAKE_MONOTONIC), so waits and timeouts behave as usual.
#
# Which libfaketime: Debian 12's (0.9.10) cannot run Python 3.11 with threads. Python waits on
# locks with sem_clockwait(), which 0.9.10 does not know: with the monotonic clock faked a 0.2 s
# Event.wait() never returns, and with it not faked every time.sleep() fails with EINVAL (its
# clock_nanosleep shim subtracts the wall-clock offset from a monotonic deadline). Debian 13's
# package (a 2024 snapshot) handles both, so when the installed one is too old this script builds
# that Debian source (checksum pinned) into .venv/faketime/ once, with the machine's gcc and make.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A CLOCKS=(
  [monday]="2026-12-07 04:30:00"    # Mon 10:00 IST, inside the NSE session
  [saturday]="2026-12-05 06:30:00"  # Sat 12:00 IST
  [holiday]="2026-12-25 04:30:00"   # Fri 10:00 IST, Christmas: an NSE trading holiday
  [midnight]="2026-12-08 18:29:30"  # Tue 23:59:30 IST, half a minute before the date changes
)
ORDER=(monday saturday holiday midnight)

DEBIAN_SOURCE="http://deb.debian.org/debian/pool/main/f/faketime/faketime_0.9.10+2024-06-05+gba9ed5b2.orig.tar.xz"
DEBIAN_SHA256="879597d9b3469b062314dbac70b2dd3b393053086772999ed94401b8ddb412de"
SYSTEM_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
LOCAL_LIB=.venv/faketime/libfaketime.so.1

[ -x .venv/bin/python ] || make .venv/.installed-dev

libfaketime() {
  # The installed library is good enough when it intercepts sem_clockwait.
  if [ -f "$SYSTEM_LIB" ] && nm -D "$SYSTEM_LIB" 2>/dev/null | grep -q " T sem_clockwait"; then
    echo "$SYSTEM_LIB"
    return
  fi
  if [ ! -f "$LOCAL_LIB" ]; then
    local work
    work=$(mktemp -d)
    echo "building libfaketime from Debian's source (the installed one is too old for Python 3.11)" >&2
    curl -fsSL -o "$work/src.tar.xz" "$DEBIAN_SOURCE" || { echo "download failed: $DEBIAN_SOURCE" >&2; exit 2; }
    echo "$DEBIAN_SHA256  $work/src.tar.xz" | sha256sum -c --quiet - || { echo "checksum mismatch" >&2; exit 2; }
    tar -xJf "$work/src.tar.xz" -C "$work"
    make -s -C "$work"/faketime-*/src libfaketime.so.1 >&2 || exit 2
    mkdir -p "$(dirname "$LOCAL_LIB")"
    cp "$work"/faketime-*/src/libfaketime.so.1 "$LOCAL_LIB"
    rm -rf "$work"
  fi
  echo "$PWD/$LOCAL_LIB"
}
LIB=$(libfaketime) || exit 2

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ORDER[@]}")
status=0
for name in "${names[@]}"; do
  moment=${CLOCKS[$name]:?unknown clock $name (monday | saturday | holiday | midnight)}
  echo "=== $name: the suite at $moment UTC ==="
  offset=$(( $(date -u -d "$moment" +%s) - $(date -u +%s) ))
  # Each clock gets its own pytest temp folder: another pytest run on this machine would prune
  # the shared one under a running suite.
  if TZ=UTC LD_PRELOAD="$LIB" FAKETIME="$( [ "$offset" -ge 0 ] && echo +)${offset}s" FAKETIME_DONT_FAKE_MONOTONIC=1 \
      .venv/bin/python -m pytest -q -p no:cacheprovider --basetemp "${TMPDIR:-/tmp}/openalgo-clock-$name"; then
    echo "=== $name: green ==="
  else
    echo "=== $name: FAILED ==="
    status=1
  fi
done
exit $status
