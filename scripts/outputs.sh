#!/bin/sh
# Every shipped scenario's outputs, and those of each subcommand on small
# inputs, as one "sha256  file" line each: run it before and after a
# refactor and diff the two lists (a refactor changes no output).
# report.json's meta.wall_time_s is the one field that is not a result:
# it is blanked before hashing.
# Usage: scripts/outputs.sh [path/to/tensim] > manifest   (about 3 minutes)
set -eu
bin=${1:-build/tensim}
dir=out/outputs.tmp # a fixed relative path: reports name their files
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
for sc in workloads/scenarios/*.json; do
    name=$(basename "$sc" .json)
    # the 100,000-GPU job runs for about two hours: make bench runs it (bench_run)
    [ "$name" = h100-100k-llama3-405b ] && continue
    "$bin" run "$sc" -o "$dir/run-$name" --quiet
done
sk=workloads/scenarios/skeleton-8gpu.json
"$bin" sweep "$sk" --vary network.model=analytic,flow --vary collectives.algorithm=ring,hd -j 1 -o "$dir/sweep" > "$dir/sweep.stdout"
"$bin" compare "$dir"/run-* > "$dir/compare.stdout"
"$bin" plan workloads/scenarios/selene-megatron-39.1b.json --top 2 -o "$dir/plan" > "$dir/plan.stdout"
"$bin" collective --topo selene-a100 --set servers=1 --op allreduce --sizes 1K:8G > "$dir/coll-a100.stdout"
"$bin" collective --topo ndv5-h100 --set servers=1 --op allreduce --algo nvls --sizes 1K:8G --csv > "$dir/coll-h100.csv"
"$bin" collective --topo selene-a100 --set servers=2 --op allgather --sizes 1M:1G --json > "$dir/coll-2srv.json"
"$bin" collective --topo azure-2020 --op allreduce --algo hier --ranks 64 --sizes 1M:1G > "$dir/coll-azure.stdout"
"$bin" topo azure-2020 --stats > "$dir/topo.stdout"
"$bin" topo selene-a100 --set servers=2 --export graphml -o "$dir/dgx-a100.graphml"
"$bin" trace gen "$sk" -o "$dir/trace.json"
"$bin" trace stats workloads/scenarios/selene-megatron-39.1b.json > "$dir/trace-stats.stdout"
for g in tests/data/goodput/small.json tests/data/goodput/fattree.json; do
    "$bin" goodput "$g" -o "$dir/goodput-$(basename "$g" .json)" --no-cache --quiet
done
"$bin" trace gen gpt3-175b --tp 8 --pp 4 --dp 2 --global-batch 16 --sequence-parallel --recompute selective -o "$dir/trace-gpt3.json"
(
cd "$dir"
find . -type f | LC_ALL=C sort | while read -r f; do
    case "$f" in
    */report.json) sed 's/"wall_time_s": *[0-9.eE+-]*/"wall_time_s": 0/' "$f" | sha256sum | sed "s|-|$f|" ;;
    *) sha256sum "$f" ;;
    esac
done
)
