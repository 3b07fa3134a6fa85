#!/bin/sh
# Install what dropprof needs to build and test on Debian/Ubuntu, only when
# something is missing (so it is quick and offline-safe on a ready machine).
# Run as root.
set -eu

PKGS="gcc make pkg-config libc6-dev libelf-dev libdw-dev zlib1g-dev libcmocka-dev
      iproute2 nftables jq valgrind clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
