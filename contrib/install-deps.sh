#!/bin/sh
# Install what dropprof needs on Debian/Ubuntu, only when something is
# missing (so it is quick and offline-safe on a ready machine).  Run as root.
#
#   sh contrib/install-deps.sh          to build and run dropprof (make)
#   sh contrib/install-deps.sh --test   also the optional libraries and the
#                                       tools every test needs (make check)
set -eu

# Building and running: a compiler, make, pkg-config and the required
# libraries (the build stops naming any of them that is missing); each
# -dev package brings the run-time library (libmnl-dev: libmnl0).
BUILD_PKGS="gcc make pkg-config libc6-dev libelf-dev libdw-dev zlib1g-dev
      libmnl-dev"
# libnftables and jansson are optional in the build, but most drops on a
# host with a firewall are its rules, so they are here: libnftables-dev
# and libjansson-dev bring libnftables1 and libjansson4, which a machine
# that only runs dropprof needs.
BUILD_PKGS="$BUILD_PKGS libnftables-dev libjansson-dev"
# Building with every feature and testing: the optional libraries (without
# them the build leaves their features out and says so), cmocka for the
# unit tests, valgrind, clang with libFuzzer, what the integration tests
# drive the kernel with, binutils and elfutils (addr2line, readelf,
# eu-addr2line: the references of the symbol tests and benchmarks) and
# python3 (its http.server plays a debuginfod server in test_vmlinux).
# iptables gives test_nfrules iptables-legacy and iptables-legacy-save; it
# is useful at run time too: without iptables-legacy-save, dropprof cannot
# read legacy iptables rules (and says so).
TEST_PKGS="libdebuginfod1 libunwind-dev libcmocka-dev valgrind clang
      libclang-rt-14-dev iproute2 nftables jq binutils elfutils python3
      iptables"

case "${1:-}" in
"") PKGS=$BUILD_PKGS ;;
--test) PKGS="$BUILD_PKGS $TEST_PKGS" ;;
*)
	echo "usage: sh contrib/install-deps.sh [--test]" >&2
	exit 2
	;;
esac

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
