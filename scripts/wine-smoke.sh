#!/usr/bin/env bash
# The Wine smoke run (issue 15): airfleet.exe under Wine upgrades four
# simulated modules that a Linux simulator offers over TCP (socket://), and
# answers `version` and `codes 43`. The checks are TestWineSmoke
# (wine_test.go); this script prepares what it needs and runs it RUNS times
# in a row (default 10), then says how many passed.
#
#   scripts/wine-smoke.sh [RUNS]
#
# .ci/run runs it once when wine64 is installed (it does not install it). Needs
# apt (as root) the first time, for wine64 and mingw.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}

if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
	apt-get update -qq && apt-get install -y -qq gcc-mingw-w64-x86-64
fi
wine=$(command -v wine64 || true)
if [ -z "$wine" ] && [ -x /usr/lib/wine/wine64 ]; then
	wine=/usr/lib/wine/wine64
fi
if [ -z "$wine" ]; then
	apt-get update -qq && apt-get install -y -qq wine64
	wine=/usr/lib/wine/wine64
fi

work=${AIRFLEET_WINE_WORK:-$PWD/tmp/wine}
mkdir -p "$work"
export WINEPREFIX=$work/prefix WINEDEBUG=-all

# Wine 8.0 lacks ProcessPrng, which a Go 1.26 program calls at start
# ("bcryptprimitives.dll not found"): a DLL of that name that exports it,
# calling BCryptGenRandom, stands in.
cat >"$work/prng.c" <<'C'
#include <windows.h>
#include <bcrypt.h>
BOOL WINAPI ProcessPrng(PBYTE buf, SIZE_T len) {
	return BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
C
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" "$work/prng.c" -lbcrypt
if [ ! -d "$WINEPREFIX/drive_c/windows/system32" ]; then
	"$wine" wineboot --init >/dev/null 2>&1 # about 10-20 s the first time
fi
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
	go build -trimpath -o "$work/airfleet.exe" .
go test -c -o "$work/airfleet.test" .

pass=0
for i in $(seq 1 "$runs"); do
	if AIRFLEET_WINE="$wine" AIRFLEET_WINE_EXE="$work/airfleet.exe" \
		"$work/airfleet.test" -test.run '^TestWineSmoke$' -test.count=1 >"$work/run-$i.log" 2>&1; then
		pass=$((pass + 1))
		echo "run $i: ok"
	else
		echo "run $i: FAILED (see $work/run-$i.log)"
	fi
done
echo "wine smoke: $pass of $runs passed"
[ "$pass" -eq "$runs" ]
