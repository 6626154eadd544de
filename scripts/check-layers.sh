#!/bin/sh
# scripts/check-layers.sh [DIR] — checks that no #include "..." under DIR
# (default: the repository root) runs upward between tensim's rooms.
#
# The rooms, lowest first: a file may include its own room and the rooms
# before it. Nothing includes cli/ (the front end). validate/, bench/,
# tests/ and fuzz/ stand above every room: they may include any room but
# cli/, and no room may include them. Include paths are written from the repository
# root ("sim/net/flow.h"); one without a room is taken relative to the
# including file. Files outside the rooms, build/ and .git are not read.
#
# Prints one line per violation, "file:line: includes X, which is above
# it" (file relative to DIR), and exits 1 when there is any; 0 otherwise;
# 2 when DIR is not a directory. Cost: one pass over the sources.
set -eu

ROOMS="common topology workloads sim/engine sim/net sim/coll sim/exec sim/job goodput plan study results cli"
OUTER="validate bench tests fuzz"

dir=${1:-$(dirname "$0")/..}
if [ ! -d "$dir" ]; then
    echo "check-layers.sh: $dir: not a directory" >&2
    exit 2
fi
cd "$dir"

out=$(find . \( -name .git -o -name build \) -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print |
    sed 's|^\./||' | LC_ALL=C sort | tr '\n' '\0' |
    xargs -0 -r awk -v rooms="$ROOMS" -v outer="$OUTER" '
    # The room of path p: the longest room that is a prefix of it, or "".
    function room(p,   best, r) {
        best = ""
        for (r in rank)
            if (index(p, r "/") == 1 && length(r) > length(best))
                best = r
        return best
    }
    BEGIN {
        n = split(rooms, R, " ")
        for (i = 1; i <= n; i++)
            rank[R[i]] = i
        m = split(outer, O, " ")
        for (i = 1; i <= m; i++)
            rank[O[i]] = n + 1
        top = n + 1
    }
    FNR == 1 {
        from = room(FILENAME)
        here = FILENAME
        sub(/\/[^\/]*$/, "", here)
    }
    from != "" && /^[ \t]*#[ \t]*include[ \t]*"/ {
        x = $0
        sub(/^[^"]*"/, "", x)
        sub(/".*$/, "", x)
        to = room(x)
        if (to == "")
            to = room(here "/" x)
        if (to == "")
            next
        if ((to == "cli" && from != "cli") || (rank[from] != top && rank[to] > rank[from]))
            printf "%s:%d: includes %s, which is above it\n", FILENAME, FNR, x
    }')

if [ -n "$out" ]; then
    printf '%s\n' "$out"
    exit 1
fi
exit 0
