#!/bin/bash
# Records the committed bundles: each program with its inputs on ext4
# (/tmp/mmsim-rec, NAME-ext4.mmrec) and on tmpfs (/dev/shm/mmsim-rec,
# NAME-tmpfs.mmrec), in a clean environment, as root, with the release
# mmsim.  Usage: record.sh [MMSIM] (default: target/release/mmsim of the
# workspace).  Existing bundles are replaced (--force).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mmsim=${1:-$here/../../../target/release/mmsim}
bash "$here/inputs.sh"
rec() {
    local name=$1 dir=$2; shift 2
    (cd "$dir" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 TMPDIR="$dir" \
        "$mmsim" record --force -o "$here/$name.mmrec" -- "$@" </dev/null >/dev/null)
}
for fs in ext4:/tmp/mmsim-rec tmpfs:/dev/shm/mmsim-rec; do
    t=${fs%%:*} d=${fs#*:}
    rec cat-$t "$d" cat "$d/hostname"
    rec ls-$t "$d" ls -la "$d/smalldir"
    rec python3-$t "$d" python3 -c pass
    rec sort-$t "$d" sort -n "$d/sort-input.txt" -o "$d/sort-out.txt"
    rec gcc-$t "$d" gcc -o "$d/hello" "$d/hello.c"
done
# Signals (ext4 only): SIGCHLD interrupting the shell's wait, and a
# writer killed by SIGPIPE.
rec sh-wait-ext4 /tmp/mmsim-rec sh -c 'sleep 0.01 & wait'
rec sh-pipe-ext4 /tmp/mmsim-rec sh -c 'yes | head -1'
