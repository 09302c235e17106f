#!/bin/sh
# extract-vmlinux.sh BZIMAGE OUT: write the uncompressed ELF kernel (vmlinux)
# that a bzImage carries. QEMU boots it through its PVH entry point, and
# without KVM that is about twice as fast as letting the kernel decompress
# itself. Unlike the kernel's scripts/extract-vmlinux, which searches for
# compression magic anywhere in the file, this reads where the payload is
# from the x86 boot protocol header (2.08+: payload_offset, payload_length),
# so a stray magic number in the setup code cannot fool it.
# Exits non-zero, leaving no OUT, when the input is not such a kernel.
set -eu
in=$1
out=$2

die() { echo "extract-vmlinux: $in: $*" >&2; rm -f "$out.tmp"; exit 1; }

u8() { od -A n -t u1 -j "$1" -N 1 "$in" | tr -d ' '; }
u32() { od -A n -t u4 -j "$1" -N 4 "$in" | tr -d ' '; }
hex() { od -A n -t x1 -j "$1" -N "$2" "$in" | tr -d ' \n'; }

[ -f "$in" ] || die "no such file"
size=$(wc -c <"$in")
[ "$size" -gt 1024 ] || die "too small to be a bzImage"
[ "$(hex 514 4)" = "48647253" ] || die "no 'HdrS' boot header"
# Boot protocol version (0x206), little endian; payload fields need 2.08.
ver=$(od -A n -t u2 -j 518 -N 2 "$in" | tr -d ' ')
[ "$ver" -ge 520 ] || die "boot protocol $ver is older than 2.08"
sects=$(u8 497)
[ "$sects" -eq 0 ] && sects=4
poff=$(u32 584)
plen=$(u32 588)
start=$(((sects + 1) * 512 + poff))
if [ "$plen" -eq 0 ] || [ $((start + plen)) -gt "$size" ]; then
    die "payload out of bounds"
fi

# Pick the decompressor from the payload's magic.
magic=$(od -A n -t x1 -j "$start" -N 6 "$in" | tr -d ' \n')
case "$magic" in
fd377a585a00) dec="xz -dc" ;;
1f8b*) dec="gzip -dc" ;;
28b52ffd*) dec="zstd -dcq" ;;
02214c18*) dec="lz4 -dc" ;;
425a68*) dec="bzip2 -dc" ;;
5d0000*) dec="xz --format=lzma -dc" ;;
*) die "unknown payload compression (magic $magic)" ;;
esac
command -v "${dec%% *}" >/dev/null || die "needs ${dec%% *} to decompress"

# The kernel appends its uncompressed size after the payload; decompressors
# that stop at the end of their stream may warn about it, so judge the result
# by what came out, not by the exit status.
tail -c "+$((start + 1))" "$in" | head -c "$plen" | $dec >"$out.tmp" 2>/dev/null || true
[ "$(od -A n -t x1 -N 4 "$out.tmp" | tr -d ' \n')" = "7f454c46" ] || die "payload did not decompress to an ELF kernel"
mv "$out.tmp" "$out"
