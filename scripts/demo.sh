#!/usr/bin/env bash
# The README's main job (make demo): network A of docs/seeds.md run on this machine.
#   transitctl check examples/aws-alibaba-cen.yaml   (what the route engine computes)
#   transitlab up examples/aws-alibaba-cen.yaml      (namespaces, one transitd per node)
#   transitlab ping                                  (the ping matrix of the post)
#   transitlab down                                  (also on failure and Ctrl-C)
# Usage: scripts/demo.sh [BUILD_DIR], as root (namespaces, TUN devices).
set -uo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
net=$top/examples/aws-alibaba-cen.yaml
lab=$build/transitlab

if [ "$(id -u)" != 0 ]; then
	echo "demo: the lab needs root (network namespaces, TUN devices): sudo make demo" >&2
	exit 1
fi
for tool in ip ping; do
	command -v "$tool" >/dev/null || {
		echo "demo: needs $tool (scripts/deps.sh test installs it)" >&2
		exit 1
	}
done
for b in "$build/transitctl" "$build/transitd" "$lab"; do
	[ -x "$b" ] || { echo "demo: $b is not built (make build)" >&2; exit 1; }
done

# The lab is named, so that another lab on the machine (a test's, say) never makes
# ping or down ambiguous.
name=demo-network-a
started=0
down() {
	if [ $started = 1 ]; then
		started=0
		echo "== transitlab down"
		"$lab" down "$name" | tail -1
	fi
}
trap down EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

echo "== transitctl check $net (the route engine; the full report: transitctl check FILE)"
"$build/transitctl" check "$net" | sed -n '1,2p;/^cen /,/^$/p'
echo "== transitlab up $net"
started=1
"$lab" up --name "$name" "$net" || exit 1
echo "== transitlab ping"
"$lab" ping --name "$name"
rc=$?
if [ $rc = 0 ]; then
	cat <<'TXT'
The post (docs/seeds.md): Beijing -> AWS 229 ms TTL 252; Beijing -> Tokyo 55 ms TTL 64;
AWS -> AWS 0.8 ms TTL 254; AWS -> Tokyo 180 ms TTL 62; AWS -> Beijing 229 ms TTL 62
(the lab shows 61 there: docs/lab.md "TTLs").
TXT
fi
exit $rc
