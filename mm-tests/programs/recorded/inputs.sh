#!/bin/bash
# Makes the inputs the recorded programs read, in /tmp/mmsim-rec (ext4
# here) and /dev/shm/mmsim-rec (tmpfs): the same bytes every time.
# Used by record.sh and by the benchmark that runs the programs again
# (`cargo bench -p mm-tests --bench replay -- recording`).
set -eu
for dir in /tmp/mmsim-rec /dev/shm/mmsim-rec; do
    mkdir -p "$dir/smalldir"
    printf 'mmsim\n' > "$dir/hostname"
    printf 'a\n' > "$dir/smalldir/a"
    printf 'bb\n' > "$dir/smalldir/b"
    printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$dir/hello.c"
    # 200,000 numbers from a linear congruential generator.
    if [ ! -s "$dir/sort-input.txt" ]; then
        awk 'BEGIN { x = 12345; for (i = 0; i < 200000; i++) { x = (x * 1103515245 + 12345) % 2147483648; print x % 1000000 } }' \
            > "$dir/sort-input.txt"
    fi
done
