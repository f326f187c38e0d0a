#!/bin/sh
# Makes the seed corpus of the `scenario` target: a selection of small
# scenarios of mm-tests/scenarios, each behind a machine byte (see
# mm_fuzz::scenario::machine).  The reproducers of regressions/ are not
# seeds while the defects they show are open: a seed that crashes stops
# libFuzzer before it starts.
# Run from the mm-fuzz directory: sh tools/make-scenario-seeds.sh
set -eu
out=corpus/scenario
mkdir -p $out
i=0
for f in $(ls ../mm-tests/scenarios/semantics/*.mms | awk 'NR % 3 == 1') \
         $(find ../mm-tests/scenarios/edge -name '*.mms' -size -2k | sort | awk 'NR % 4 == 1') \
         $(ls ../mm-tests/scenarios/trace/*.mms | awk 'NR % 2 == 1') \
         ../mm-tests/scenarios/pressure/*.mms ../mm-tests/scenarios/trace-swap/*.mms; do
    b=$(( (i * 53 + 7) % 256 ))
    { printf "\\$(printf %03o $b)"; cat "$f"; } > "$out/$(basename "$(dirname "$f")")-$(basename "$f" .mms)"
    i=$((i + 1))
done
