#!/bin/sh
# make browser-test: writes tensim's HTML pages into a temporary folder and
# renders each in headless Chromium (tests/browser/check_html.py): no
# console error or warning, no request but the page itself, every chart's
# <svg> drawn at a nonzero size. Then breaks copies of one report in known
# ways (a chart emptied or removed, an external image, a console.error...)
# and fails unless each is caught. Every *.html the commands write is
# checked, so a page a command starts writing is picked up by itself.
# Usage: tests/browser/run.sh BUILD/tensim
set -eu
bin=$1
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tensim-browser.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

q() { "$@" > "$tmp/last.log" 2>&1 || { cat "$tmp/last.log" >&2; exit 1; }; }

# report.html: the skeleton, and a small Megatron job (tp, pp, dp, flow model).
q "$bin" run workloads/scenarios/skeleton-8gpu.json -o "$tmp/skeleton"
q "$bin" run tests/data/goodput/small.json -o "$tmp/small"
# study.html (and each run's report.html): a 2-run sweep.
q "$bin" sweep workloads/scenarios/skeleton-8gpu.json \
    --vary topology.set.link.bw_gbps=100,200 -o "$tmp/sweep"
# The plan page, once tensim plan writes one.
q "$bin" plan tests/data/goodput/small.json --top 1 -o "$tmp/plan"
[ -n "$(find "$tmp/plan" -name '*.html')" ] ||
    echo "browser: skipped: the plan page (tensim plan wrote no .html)"
# The compare page, once tensim compare has --html.
if "$bin" compare --help 2>&1 | grep -q -- '--html'; then
    q "$bin" compare "$tmp/skeleton" "$tmp/small" --html "$tmp/compare/compare.html"
else
    echo "browser: skipped: the compare page (tensim compare has no --html)"
fi

rm -f "$tmp/last.log"
root=$(pwd)
cd "$tmp"
pages=$(find . -name '*.html' | sed 's|^\./||' | LC_ALL=C sort)
# Not exec: the trap removes the folder afterwards.
# shellcheck disable=SC2086 # the paths are ours, without spaces
python3 "$root/tests/browser/check_html.py" $pages --selftest small/report.html
