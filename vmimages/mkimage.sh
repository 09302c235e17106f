#!/bin/sh
# mkimage.sh OUT NTLAB: build the appliance under OUT from a statically
# linked ntlab binary:
#   OUT/vmlinux (or OUT/bzImage when it cannot be unpacked)  the kernel
#   OUT/initramfs.cpio.gz   /init, busybox, ntlab, the virtio-net modules
# The kernel is Debian's linux-image-*-amd64 package, fetched with
# `apt-get download` and unpacked with dpkg-deb into OUT: nothing is
# installed on the host. Set VM_KERNEL_PKG=linux-image-VERSION-amd64 to pin
# one; by default it is the one the linux-image-amd64 metapackage names.
set -eu
out=$1
ntlab=$2
here=$(cd "$(dirname "$0")" && pwd)
modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net"

die() { echo "mkimage: $*" >&2; exit 1; }
for t in apt-get dpkg-deb cpio gzip; do
    command -v "$t" >/dev/null || die "needs $t (run: .ci/deps vm)"
done
# A dynamic executable names its loader; the initramfs has no libc for it.
static() { [ -x "$1" ] && ! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }
busybox=/bin/busybox
static "$busybox" || die "$busybox is not busybox-static (run: .ci/deps vm)"
static "$ntlab" || die "$ntlab is not a statically linked executable"
mkdir -p "$out/cache"

# --- the kernel package -------------------------------------------------
kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^ ]*-amd64\)$/\1/p' | head -n 1
}
cached() { ls "$out/cache/${1}_"*.deb 2>/dev/null | tail -n 1 || true; }
fetch() {
    echo "mkimage: fetching $1"
    (cd "$out/cache" && apt-get download -qq "$1" 2>&1 |
        grep -v '^W: Download is performed unsandboxed' >&2) || true
}
pkg=${VM_KERNEL_PKG:-}
[ -n "$pkg" ] || pkg=$(kernel_pkg)
deb=""
if [ -n "$pkg" ]; then
    deb=$(cached "$pkg")
    if [ -z "$deb" ]; then
        fetch "$pkg"
        deb=$(cached "$pkg")
    fi
fi
# Package lists too old for the archive (a kernel replaced by a security
# update), or none yet: refresh them once, as root.
if [ -z "$deb" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    [ -n "${VM_KERNEL_PKG:-}" ] || pkg=$(kernel_pkg)
    if [ -n "$pkg" ]; then
        fetch "$pkg"
        deb=$(cached "$pkg")
    fi
fi
# Offline, or the archive moved on: any kernel fetched before will do.
[ -n "$deb" ] || deb=$(ls "$out/cache/"linux-image-*.deb 2>/dev/null | tail -n 1 || true)
[ -n "$deb" ] || die "cannot fetch a kernel package (apt-get update, or set VM_KERNEL_PKG)"

kdir=$out/kernel
stamp=$kdir/.from
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$deb" ]; then
    rm -rf "$kdir"
    mkdir -p "$kdir"
    list=$(dpkg-deb -c "$deb" | awk '{print $NF}')
    vmlinuz=$(echo "$list" | grep -E '^\./boot/vmlinuz-' | head -n 1)
    [ -n "$vmlinuz" ] || die "$deb has no /boot/vmlinuz"
    want=$vmlinuz
    for m in $modules; do
        p=$(echo "$list" | grep -E "/kernel/.*/$m\.ko(\.xz|\.zst)?$" | head -n 1)
        [ -n "$p" ] || die "$deb has no module $m"
        want="$want $p"
    done
    # shellcheck disable=SC2086
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir" $want
    mkdir -p "$kdir/mod"
    for m in $modules; do
        f=$(find "$kdir/lib" -name "$m.ko*" | head -n 1)
        case "$f" in
        *.xz) xz -dc "$f" >"$kdir/mod/$m.ko" ;;
        *.zst) zstd -dcq "$f" >"$kdir/mod/$m.ko" ;;
        *) cp "$f" "$kdir/mod/$m.ko" ;;
        esac
    done
    cp "$kdir/$vmlinuz" "$kdir/bzImage"
    echo "$deb" >"$stamp"
fi

rm -f "$out/vmlinux" "$out/bzImage"
if "$here/extract-vmlinux.sh" "$kdir/bzImage" "$out/vmlinux"; then
    kernel=$out/vmlinux
else
    echo "mkimage: using the compressed kernel (slower to boot)" >&2
    cp "$kdir/bzImage" "$out/bzImage"
    kernel=$out/bzImage
fi

# --- the initramfs -------------------------------------------------------
root=$out/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/etc/ntlab" "$root/proc" "$root/sys" \
    "$root/dev" "$root/tmp" "$root/run"
cp "$busybox" "$root/bin/busybox"
cp "$ntlab" "$root/bin/ntlab"
strip "$root/bin/ntlab" 2>/dev/null || true
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox" "$root/bin/ntlab"
cp "$kdir/mod/"*.ko "$root/lib/modules/"
echo "ntlab:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"

# /dev/console must exist before /init runs (the kernel opens it for init's
# stdin and stdout), and making a device node needs root. So it goes in as
# a second cpio archive written by hand (the kernel reads concatenated
# archives), and the image builds as any user.
newc() { # name mode major minor: one newc header + name, padded to 4
    namesize=$((${#1} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
        0 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0 "$1"
    pad=$(((4 - (110 + namesize) % 4) % 4))
    [ "$pad" -gt 0 ] && head -c "$pad" /dev/zero
    true
}
tmp=$out/initramfs.cpio.gz.tmp
{
    (cd "$root" && find . -mindepth 1 | sort | cpio -o -H newc -R 0:0 --quiet)
    newc dev/console $((0x2180)) 5 1 # 020600: character device, rw-------
    newc TRAILER!!! 0 0 0
} | gzip -9n >"$tmp"
mv "$tmp" "$out/initramfs.cpio.gz"

echo "mkimage: $(basename "$deb" .deb)"
echo "mkimage: kernel $kernel ($(wc -c <"$kernel") bytes), initramfs $out/initramfs.cpio.gz ($(wc -c <"$out/initramfs.cpio.gz") bytes)"
