#!/bin/sh
# fuzz/seeds.sh OUT — gathers the seed corpora of the fuzz harnesses into
# OUT/NAME/ (NAME: a harness, fuzz/fuzz_NAME.c), in each harness's input
# form (docs/fuzzing.md): the repository's own inputs referenced where
# they live (tests/data, workloads/scenarios, topology/presets), and the
# outputs of tensim kept in fuzz/seeds/NAME/ (their README says how they
# were made). Rewrites OUT each time. Needs only sh and cat.
set -eu
cd "$(dirname "$0")/.."
out=$1
rm -rf "$out"
for n in scenario trace_json chakra graphml topo_json topo_spec report; do
    mkdir -p "$out/$n"
    [ -d "fuzz/seeds/$n" ] && cp fuzz/seeds/$n/* "$out/$n/" 2>/dev/null || true
done
rm -f "$out"/*/README.md

# scenario: a line of overrides (tab-separated), then the file
tab=$(printf '\t')
for f in workloads/scenarios/*.json tests/data/goodput/*.json; do
    b=$(basename "$f" .json)
    { echo; cat "$f"; } > "$out/scenario/$b.json"
    { echo "--seed=7${tab}iterations=2${tab}name=\"x\""; cat "$f"; } > "$out/scenario/$b.set.json"
    { echo "topology.set.servers=2${tab}network.model=analytic"; cat "$f"; } \
        > "$out/scenario/$b.topo.json"
done

# trace_json: tensim traces, good (fuzz/seeds) and bad
cp tests/data/bad/trace_*.json "$out/trace_json/"

# chakra: Chakra JSON as it is; .et ranks joined by the separator line
cp tests/data/chakra/small_chakra.0.json "$out/chakra/"
for f in tests/data/bad/chakra_*.0.et; do
    cp "$f" "$out/chakra/$(basename "$f")"
done
sep="--tensim-rank--"
join_ranks() { # PREFIX N OUT: PREFIX.0.et ... PREFIX.N-1.et, separated
    i=0
    : > "$3"
    while [ "$i" -lt "$2" ]; do
        [ "$i" -gt 0 ] && echo "$sep" >> "$3"
        cat "$1.$i.et" >> "$3"
        i=$((i + 1))
    done
}
for d in tests/data/chakra/microbenchmarks/*/4npus_1MB tests/data/chakra/microbenchmarks/*/8npus_1MB; do
    c=$(basename "$(dirname "$d")")
    n=${d##*/}; n=${n%%npus*}
    join_ranks "$d/$c" "$n" "$out/chakra/$c.$n.et"
done
join_ranks tests/data/bad/chakra_gap 3 "$out/chakra/chakra_gap.et"

# topo_spec: every preset as a full spec, by name, and resized
for f in topology/presets/*.json; do
    b=$(basename "$f" .json)
    cp "$f" "$out/topo_spec/$b.json"
    echo "{\"preset\": \"$b\"}" > "$out/topo_spec/$b.preset.json"
    echo "{\"preset\": \"$b\", \"set\": {\"servers\": 2}}" > "$out/topo_spec/$b.small.json"
done
