#!/bin/sh
# The main job of this build: the walking-skeleton scenario, end to end.
# Usage: scripts/demo.sh [path/to/tensim]
set -eu
bin=${1:-build/tensim}
scenario=workloads/scenarios/skeleton-8gpu.json
"$bin" run "$scenario" -o out/skeleton-8gpu
