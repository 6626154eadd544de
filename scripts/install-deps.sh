#!/bin/sh
# Installs the Debian packages tensim needs to build and test, only those
# missing. Idempotent. With the argument "fuzz", also (only) what make fuzz
# needs. When not root and something is missing, prints the
# exact apt-get command and exits 1.
set -eu

# libsimgrid-dev: test-only, for the flow model's comparison with SimGrid
# (validate/simgrid.c). Open MPI: for make MPI=1 (sweeps over MPI ranks),
# which make check builds and tests too. chromium and python3: test-only,
# for make browser-test (tests/browser/), which renders the HTML outputs in
# headless Chromium driven over the DevTools protocol by a standard-library
# Python script.
pkgs="gcc make pkg-config libigraph-dev libxml2-dev libgsl-dev libjansson-dev check libsubunit-dev libsimgrid-dev"
pkgs="$pkgs openmpi-bin libopenmpi-dev"
pkgs="$pkgs chromium python3"
# man-db: test-only, tests/check_cli_help.c renders docs/tensim.1 with
# `man --warnings`.
pkgs="$pkgs man-db"
# clang and libclang-rt-dev (compiler-rt, whose libclang_rt.fuzzer-*.a is
# libFuzzer's runtime for -fsanitize=fuzzer): make fuzz only (fuzz/), so
# make check does not ask for them.
if [ "${1:-}" = fuzz ]; then
    pkgs="clang libclang-rt-dev"
fi

missing=""
for p in $pkgs; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = "installed" ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "tensim: missing packages:$missing" >&2
    echo "tensim: run as root: apt-get update && $cmd" >&2
    exit 1
fi
echo "tensim: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
$cmd >&2
