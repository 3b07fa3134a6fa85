#!/bin/sh
# layers — a folder uses only folders below it in the pipeline.  Fails
# with each include that reaches up (or sideways into a later stage).
# The order is the one in GNUmakefile's STAGES and README's "Layout".
set -eu
cd "$(dirname "$0")/../.."
order="util kernel symbols profile record model output cmd"
rank() {
	i=0
	for s in $order; do
		[ "$s" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo 99
}
bad=0
for f in $(find src include/dropprof -name '*.[ch]' | sort); do
	case $f in
	src/*) stage=${f#src/} ;;
	include/dropprof/*) stage=${f#include/dropprof/} ;;
	esac
	stage=${stage%%/*}
	r=$(rank "$stage")
	if [ "$r" = 99 ]; then
		echo "layers: '$f' is in no pipeline folder ($order)" >&2
		bad=1
		continue
	fi
	for used in $(sed -n 's|^#include "dropprof/\([a-z]*\)/.*|\1|p' "$f" | sort -u); do
		u=$(rank "$used")
		if [ "$u" -gt "$r" ]; then
			echo "layers: '$f' ($stage) includes from '$used', a later stage" >&2
			bad=1
		fi
	done
done
[ $bad = 0 ] && echo "layers: every include points down the pipeline ($order)"
exit $bad
