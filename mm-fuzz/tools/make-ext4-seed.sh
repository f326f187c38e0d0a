#!/bin/sh
# Makes the seeds of the `ext4` target, 256 KiB ext4 images (blocks of
# 1 KiB, of 4 KiB, without extents: block maps, without checksums) with the files mm_fuzz::ext4::PATHS looks up (a small file,
# an empty one, a multi-block one, a sparse one, nested directories).
# Run from the mm-fuzz directory: sh tools/make-ext4-seed.sh
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/root/dir/sub" "$d/root/etc"
echo "hello, ext4" > "$d/root/hello.txt"
: > "$d/root/empty"
seq 1 3000 > "$d/root/big"
printf 'nested\n' > "$d/root/dir/nested.txt"
printf 'deep\n' > "$d/root/dir/sub/deep.txt"
printf 'seed\n' > "$d/root/etc/hostname"
printf 'end' | dd of="$d/root/sparse" bs=1 seek=40000 status=none
mkdir -p corpus/ext4
mk() {
    out=corpus/ext4/$1
    shift
    rm -f "$out"
    E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -F -t ext4 -N 32 -U 00000000-0000-0000-0000-000000000001 \
        -E hash_seed=00000000-0000-0000-0000-000000000002,lazy_itable_init=0 "$@" -d "$d/root" "$out" 256K
}
mk seed.img -b 1024
mk seed-4k.img -b 4096
mk seed-blockmap.img -b 1024 -O ^extent,^flex_bg,^64bit
# Without checksums most mutations reach the parser instead of a
# checksum mismatch.
mk seed-nocsum.img -b 1024 -O ^metadata_csum
