#!/usr/bin/env bash
# The README's main job.  Today: validate network A and print every route table the
# route engine computes for it (the lab, which runs it in namespaces, replaces this).
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
net=$top/examples/aws-alibaba-cen.yaml
echo "== transitctl check $net"
"$top/$build/transitctl" check "$net"
echo "== the same network without the CEN publish of 172.16.0.0/12: Beijing's table"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed '/^    publish:/,/^    [a-z_]*:/{/^    publish:/d;/^      /d}' "$net" >"$tmp"
"$top/$build/transitctl" check --table beijing-vpc "$tmp" | sed 's/^/  /'
