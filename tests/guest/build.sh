#!/bin/sh
# Builds the test guest into OUTDIR (artifacts/guest/ when run by the tests):
#   vmlinux        Debian's linux-image-6.1.0-*-cloud-amd64 kernel (downloaded with apt-get download, never installed),
#                  unpacked from its bzImage for PVH boot
#   initramfs.gz   busybox-static, the modules in modules.txt, ./init and nettool (built here, static)
#   nettool        the same helper, for the host side of a test
#   image.key      hash of every input; the image is rebuilt only when it changes
# Prints `kernel=…`, `initramfs=…`, `nettool=…`, `kernel-package=…` on success. Exit 3: a package is missing (named on
# stderr). Safe to run concurrently: one build at a time per OUTDIR.
#
#   usage: tests/guest/build.sh OUTDIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

missing() { echo "guest image: $1 (Debian package $2: apt-get install $2)" >&2; exit 3; }

command -v apt-get >/dev/null || missing "apt-get not found" apt
command -v dpkg >/dev/null || missing "dpkg not found" dpkg
command -v gcc >/dev/null || missing "gcc not found" gcc
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing "no static libc (/usr/lib/x86_64-linux-gnu/libc.a) for nettool" libc6-dev
busybox_version=$(dpkg-query -W -f='${Status} ${Version}' busybox-static 2>/dev/null | sed -n 's/^install ok installed //p')
[ -n "$busybox_version" ] || missing "busybox-static is not installed" busybox-static
[ -x /bin/busybox ] || missing "/bin/busybox not found" busybox-static
command -v lz4 >/dev/null || missing "lz4 not found (it unpacks the kernel for PVH boot)" lz4

exec 9>"$out/.lock"
flock 9

# The kernel apt offers: the package the cloud meta-package depends on, at its candidate version. Offline (no apt
# lists), the kernel already downloaded is used.
set -- $(apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^Depends: \(linux-image-6\.1\.0-[0-9]*-cloud-amd64\) (= \([^)]*\))$/\1 \2/p')
package=${1:-}
version=${2:-}
if [ -z "$package" ] || [ -z "$version" ]; then
    cached=$(ls "$out/debs/"linux-image-6.1.0-*-cloud-amd64_*.deb 2>/dev/null | tail -n 1)
    [ -n "$cached" ] || missing "apt offers no linux-image-6.1.0-*-cloud-amd64 (run apt-get update)" linux-image-cloud-amd64
    base=$(basename "$cached" .deb)
    package=${base%%_*}
    version=${base#*_}
    version=${version%_*}
fi
deb="$out/debs/${package}_$(echo "$version" | sed 's/:/%3a/')_amd64.deb"
if [ ! -e "$deb" ]; then
    (cd "$out/debs" && apt-get download -q -o APT::Sandbox::User=root "$package=$version" >&2) ||
        missing "apt-get download $package=$version failed" "$package"
fi

key=$( (cat "$here/build.sh" "$here/init" "$here/modules.txt" "$here"/nettool/*.c "$here"/nettool/*.h
    echo "$package $version busybox-static $busybox_version $(gcc -dumpfullversion)") | sha256sum | cut -d' ' -f1)

report() {
    echo "kernel=$out/vmlinux"
    echo "initramfs=$out/initramfs.gz"
    echo "nettool=$out/nettool"
    echo "kernel-package=$package $version"
}

if [ -e "$out/image.key" ] && [ "$(cat "$out/image.key")" = "$key" ] &&
    [ -e "$out/vmlinux" ] && [ -e "$out/initramfs.gz" ] && [ -e "$out/nettool" ]; then
    report
    exit 0
fi

tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

dpkg -x "$deb" "$tmp/kernel"
modules=$(ls -d "$tmp"/kernel/lib/modules/*/kernel)
root=$tmp/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/etc" "$root/lib/modules"

cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -s -o "$tmp/nettool" "$here"/nettool/*.c
cp "$tmp/nettool" "$root/bin/nettool"
cp "$here/init" "$root/init"
chmod 0755 "$root/init"

: >"$root/etc/modules"
grep -v -e '^#' -e '^$' "$here/modules.txt" | while read -r path; do
    [ -e "$modules/$path" ] || { echo "guest image: $package has no $path" >&2; exit 1; }
    cp "$modules/$path" "$root/lib/modules/"
    basename "$path" >>"$root/etc/modules"
done

(cd "$root" && find . | sort | /bin/busybox cpio -o -H newc -R 0:0) | gzip -9 >"$tmp/initramfs.gz"

# PVH boot: given an uncompressed ELF vmlinux, QEMU enters the kernel directly in 32-bit mode, which skips the
# firmware's real-mode loader and the kernel's self-decompression (1.5-4 s of a TCG boot here). Debian compresses
# this kernel with LZ4: the payload starts at the first LZ4 legacy-frame magic; lz4 complains about the bzImage
# trailer after it, so success is judged by the ELF header.
bz=$(ls "$tmp/kernel"/boot/vmlinuz-*)
offset=$(grep -obUaP '\x02\x21\x4c\x18' "$bz" | head -n 1 | cut -d: -f1)
[ -n "$offset" ] || { echo "guest image: $bz holds no LZ4 payload; cannot unpack it for PVH boot" >&2; exit 1; }
tail -c +$((offset + 1)) "$bz" | lz4 -dc >"$tmp/vmlinux" 2>/dev/null || true
[ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] ||
    { echo "guest image: unpacking $bz did not give an ELF vmlinux" >&2; exit 1; }

# Into place, the key last: a build that stopped half way is never taken for a finished one.
rm -f "$out/image.key"
mv "$tmp/vmlinux" "$out/vmlinux"
mv "$tmp/initramfs.gz" "$out/initramfs.gz"
mv "$tmp/nettool" "$out/nettool"
echo "$key" >"$out/image.key"
# Cache by version: only the kernel in use is kept.
for old in "$out/debs"/*.deb; do [ "$old" = "$deb" ] || rm -f "$old"; done
report
