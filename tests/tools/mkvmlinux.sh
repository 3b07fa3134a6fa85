#!/bin/bash
# mkvmlinux — build a small ELF that looks like a vmlinux to a symbolizer:
# functions at kernel addresses, an ELF symbol table with their sizes,
# DWARF line tables, inlined frames and a chosen GNU build-id.  Used by the
# unit tests of src/symbols/ (tests/fixtures/vmlinux/spec), by integration
# tests (functions placed at the running kernel's addresses from
# /proc/kallsyms, with its build-id) and by benchmarks.
#
#   mkvmlinux.sh [options] SPEC
#     -o OUT               the ELF to write (default: vmlinux)
#     --build-id ID        0xHEX (exactly these bytes), sha1 (a hash of the
#                          contents) or none (no note); default sha1
#     --stext ADDR         define _stext and _text at ADDR
#     --inline NAME[@OFF]  give function NAME an always_inline helper
#                          (NAME_helper, in include/fixture/inline.h) whose
#                          two statements sit inside NAME: an address there
#                          has an inlined frame (repeatable); with @OFF
#                          (bytes, decimal or 0x) the helper's code covers
#                          the call before return address NAME+OFF, so a
#                          drop site recorded there is inside it
#     --map FILE           write "ADDRESS SIZE NAME" of what was placed
#
# Needs bash, gcc (MKVMLINUX_CC=... for another compiler), GNU ld and nm.
# SPEC has one function a line: NAME ADDRESS SIZE.  ADDRESS is hex (with
# or without 0x), SIZE bytes in decimal or 0x hex; '#' starts a comment.
# Names are kernel symbol names ([A-Za-z0-9_.], so "ip_rcv_core.isra.0"
# works); each must be unique and the functions must not overlap.
#
# Every function gets its own section (.text.NAME) placed at ADDRESS by a
# generated linker script, and a body of volatile stores, one a line, so
# any offset inside it has a source line.  A store is 10 bytes; a function
# of SIZE bytes gets (SIZE - 1) / 10 of them (at most MAX_STMTS; a larger
# function gets one '.skip' line for the rest, so a 600 KiB function costs
# nothing to compile).  The code is never longer than SIZE: the script
# checks every symbol's size after linking.
#
# The output is deterministic: the same spec and options give the same
# bytes (the temporary build directory is mapped to /usr/src/linux-fixture
# in the DWARF, and the compiler's switches are not recorded).
set -euo pipefail

MAX_STMTS=512
COMP_DIR=/usr/src/linux-fixture
prog=mkvmlinux

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	echo "usage: $prog [-o OUT] [--build-id 0xHEX|sha1|none] [--stext ADDR] [--inline NAME]... [--map FILE] SPEC" >&2
	exit 2
}

out=vmlinux
build_id=sha1
stext=
map=
spec=
declare -A want_inline=()

while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--build-id) [ $# -ge 2 ] || usage; build_id=$2; shift 2 ;;
	--stext) [ $# -ge 2 ] || usage; stext=$2; shift 2 ;;
	--inline)
		[ $# -ge 2 ] || usage
		case $2 in
		*@*) want_inline[${2%%@*}]=${2#*@} ;;
		*) want_inline[$2]=21 ;;
		esac
		shift 2
		;;
	--map) [ $# -ge 2 ] || usage; map=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "$prog: unknown option '$1'" >&2; usage ;;
	*) [ -z "$spec" ] || usage; spec=$1; shift ;;
	esac
done
[ -n "$spec" ] || usage
[ -r "$spec" ] || die "cannot read spec '$spec'"

case $build_id in
sha1 | none) ;;
0x*)
	hex=${build_id#0x}
	[[ $hex =~ ^[0-9a-fA-F]+$ ]] && [ $((${#hex} % 2)) = 0 ] ||
		die "build-id '$build_id': want 0x and an even number of hex digits"
	;;
*) die "build-id '$build_id': want 0xHEX, sha1 or none" ;;
esac

# A hex address as 16 lowercase digits: sorts as a string, and bash's
# arithmetic (64-bit, wrapping) can subtract two of them.
norm_addr() {
	local a=${1#0x}
	a=${a,,}
	[[ $a =~ ^[0-9a-f]{1,16}$ ]] || return 1
	printf '%016s' "$a" | tr ' ' 0
}

norm_size() {
	local s=$1
	if [[ $s =~ ^0[xX][0-9a-fA-F]+$ ]] || [[ $s =~ ^[0-9]+$ ]]; then
		s=$((s))
		[ "$s" -gt 0 ] && [ "$s" -le $((1 << 30)) ] || return 1
		echo "$s"
	else
		return 1
	fi
}

# ---- read the spec -----------------------------------------------------------
entries=()          # "ADDR16 SIZE NAME"
declare -A seen=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	line=${line%%#*}
	read -r name addr size extra <<<"$line" || true
	[ -n "${name:-}" ] || continue
	[ -n "${size:-}" ] && [ -z "${extra:-}" ] ||
		die "$spec:$lineno: want 'NAME ADDRESS SIZE'"
	[[ $name =~ ^[A-Za-z_.][A-Za-z0-9_.]*$ ]] ||
		die "$spec:$lineno: name '$name' is not a kernel symbol name"
	[ -z "${seen[$name]:-}" ] || die "$spec:$lineno: '$name' appears twice"
	seen[$name]=1
	a=$(norm_addr "$addr") || die "$spec:$lineno: bad address '$addr'"
	s=$(norm_size "$size") || die "$spec:$lineno: bad size '$size' (1 byte to 1 GiB)"
	entries+=("$a $s $name")
done <"$spec"
[ ${#entries[@]} -gt 0 ] || die "$spec: no function"
for n in "${!want_inline[@]}"; do
	[ -n "${seen[$n]:-}" ] || die "--inline '$n': no such function in $spec"
done
if [ -n "$stext" ]; then
	stext=$(norm_addr "$stext") || die "--stext: bad address '$stext'"
fi

mapfile -t entries < <(printf '%s\n' "${entries[@]}" | LC_ALL=C sort)

# ---- generate the sources and the linker script ------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkvmlinux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/kernel" "$tmp/include/fixture"
src=$tmp/kernel/fixture.c
hdr=$tmp/include/fixture/inline.h
lds=$tmp/vmlinux.lds

{
	echo "/* generated by mkvmlinux.sh: always_inline helpers */"
	echo "extern volatile int dp_fixture_sink;"
} >"$hdr"
{
	echo "/* generated by mkvmlinux.sh from a spec: one function per section */"
	echo '#include "fixture/inline.h"'
	echo
	echo "volatile int dp_fixture_sink;"
} >"$src"
{
	echo "/* generated by mkvmlinux.sh */"
	echo "ENTRY(${entries[0]##* })"
	echo "SECTIONS"
	echo "{"
} >"$lds"

declare -A cnames=()
val=0               # every store writes a new value: no two bodies alike
prev_end=
prev_name=
idx=0
for e in "${entries[@]}"; do
	read -r a s name <<<"$e"
	idx=$((idx + 1))
	if [ -n "$prev_end" ] && [ $((0x$a - prev_end)) -lt 0 ]; then
		die "'$name' at 0x$a overlaps '$prev_name' before it"
	fi
	prev_end=$((0x$a + s))
	prev_name=$name

	# A C name for it: the symbol name when it is an identifier, else
	# (ip_rcv_core.isra.0) the part before the dot when no other function
	# has it, else a made-up one; an asm label gives the symbol its name.
	if [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
		cname=$name
		label=
	else
		cname=${name%%.*}
		if ! [[ $cname =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
			[ -n "${seen[$cname]:-}" ] || [ -n "${cnames[$cname]:-}" ]; then
			cname=dp_fixture_fn$idx
		fi
		label=" __asm__(\"$name\")"
	fi
	cnames[$cname]=1

	budget=$((s - 1))           # the ret
	stmts=$((budget / 10))
	inl=${want_inline[$name]:-}
	at=2
	if [ -n "$inl" ]; then
		[ "$stmts" -ge 3 ] || die "'$name': $s bytes is too small for --inline (31 at least)"
		stmts=$((stmts - 2))
		# A store is 10 bytes from the function's start: the helper's
		# two stores cover bytes [10 at, 10 at + 20), so OFF - 1 (the
		# call before a return address) falls in its first store.
		inl=$(norm_size "$inl") || die "--inline '$name@...': bad offset"
		at=$(((inl - 1) / 10))
		[ "$at" -le "$stmts" ] && [ "$at" -lt "$MAX_STMTS" ] ||
			die "--inline '$name@$inl': the offset is past the function's statements"
		helper=${cname}_helper
		{
			echo
			echo "static inline __attribute__((always_inline)) void $helper(void)"
			echo "{"
			echo "	dp_fixture_sink = $((val + 1000000));"
			echo "	dp_fixture_sink = $((val + 1000001));"
			echo "}"
		} >>"$hdr"
	fi
	skip=0
	if [ "$stmts" -gt "$MAX_STMTS" ]; then
		skip=$(((stmts - MAX_STMTS) * 10 + budget % 10))
		stmts=$MAX_STMTS
	fi

	{
		echo
		echo "void $cname(void)$label;"
		echo "__attribute__((section(\".text.$name\"), noinline, used))"
		echo "void $cname(void)"
		echo "{"
		for ((i = 0; i < stmts; i++)); do
			# The helper goes after the second store, so its
			# frame is inside the function, not at its start.
			if [ -n "$inl" ] && [ "$i" = "$at" ]; then
				echo "	$helper();"
			fi
			val=$((val + 1))
			echo "	dp_fixture_sink = $val;"
		done
		if [ -n "$inl" ] && [ "$stmts" -le "$at" ]; then
			echo "	$helper();"
		fi
		if [ "$skip" -gt 0 ]; then
			echo "	__asm__ volatile(\".skip $skip, 0xcc\");"
		fi
		echo "}"
	} >>"$src"
	echo "	.text.$name 0x$a : { *(.text.$name) }" >>"$lds"
done

if [ -n "$stext" ]; then
	printf '\t_stext = 0x%s;\n\t_text = 0x%s;\n' "$stext" "$stext" >>"$lds"
fi
{
	# Data after the last function, on a page of its own (no RWX
	# segment), then the build-id note where the kernel has it.
	echo "	. = ALIGN(0x1000);"
	echo "	.data : { *(.data .data.* .bss .bss.* COMMON) }"
	echo "	.notes : { *(.note.gnu.build-id) *(.note.*) }"
	echo "	/DISCARD/ : { *(.note.GNU-stack) *(.eh_frame) }"
	echo "}"
} >>"$lds"

# ---- build -------------------------------------------------------------------
CC=${MKVMLINUX_CC:-gcc}
cflags=(-g -O2 -std=gnu11 -mcmodel=kernel -fno-pic -fno-pie -ffreestanding
	-fno-builtin -fno-asynchronous-unwind-tables -fno-unwind-tables
	-fcf-protection=none -fno-stack-protector -falign-functions=1
	-fno-reorder-blocks-and-partition -fno-ipa-icf -gno-record-gcc-switches
	"-fdebug-prefix-map=$tmp=$COMP_DIR" -Iinclude)
(cd "$tmp" && "$CC" "${cflags[@]}" -c kernel/fixture.c -o fixture.o) ||
	die "cannot compile the generated source"
(cd "$tmp" && "$CC" -nostdlib -no-pie -Wl,-T,vmlinux.lds "-Wl,--build-id=$build_id" \
	-Wl,--no-warn-rwx-segments -o vmlinux fixture.o) ||
	die "cannot link the generated source"

# Never longer than SIZE: check what the linker placed.
declare -A placed=()
while read -r a s t n; do
	case $t in T | t) placed[$n]="$a $s" ;; esac
done < <(nm -S "$tmp/vmlinux")
for e in "${entries[@]}"; do
	read -r a s name <<<"$e"
	got=${placed[$name]:-}
	[ -n "$got" ] || die "'$name' is missing from the linked file"
	read -r ga gs <<<"$got"
	[ "$ga" = "$a" ] || die "'$name' placed at 0x$ga, not 0x$a"
	[ $((0x$gs)) -le "$s" ] || die "'$name' is $((0x$gs)) bytes, more than its $s"
done

if [ -n "$map" ]; then
	for e in "${entries[@]}"; do
		read -r a s name <<<"$e"
		printf '%s %d %s\n' "$a" "$s" "$name"
	done >"$map.new"
	mv -f "$map.new" "$map"
fi
cp "$tmp/vmlinux" "$out.new"
mv -f "$out.new" "$out"
