#!/bin/sh
# The main job: one training iteration of GPT-3 175B on the 10,000-GPU
# azure-2020 fabric (about a minute on two cores).
# Usage: scripts/demo.sh [path/to/tensim]
set -eu
bin=${1:-build/tensim}
"$bin" run workloads/scenarios/azure2020-gpt3-175b.json -o out/azure2020-gpt3-175b
