#!/usr/bin/env bash
# transitctl check on network A (seeds.md): the Transit Gateway's table sends
# 10.0.0.0/8 and 192.168.0.0/16 to the VPN attachment, and Beijing's VPC table holds
# 172.16.0.0/12 (via CEN) only while the Tokyo custom route is published.
set -euo pipefail
build=$1 src=$2
ctl=$build/transitctl
net=$src/examples/aws-alibaba-cen.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/deps.sh test installs it)"; exit 77; }

fail() { echo "FAIL: $*"; exit 1; }

"$ctl" -j check "$net" >"$tmp/a.json" || fail "check on network A exited $?"

# route (table, cidr) -> "targetname/state" lines
route() { jq -r --arg t "$2" --arg c "$3" \
	'.tables[] | select(.name == $t and .owner == ($o // .owner)) | .routes[] | select(.cidr == $c) |
	 (.targets | map(.name // .type) | join(",")) + "/" + .state' --arg o "${4:-}" "$1"; }
tgw_table() { jq -r '.tables[] | select(.kind == "tgw") | .name' "$1" | head -1; }

t=$(tgw_table "$tmp/a.json")
[ -n "$t" ] || fail "no Transit Gateway table in the output"
vpn_att=$(jq -r '.tables[] | select(.kind == "tgw") | .routes[] | select(.cidr == "10.0.0.0/8") | .targets[0].type' "$tmp/a.json")
[ "$vpn_att" = "vpn" ] || fail "10.0.0.0/8 on the TGW table does not go to a VPN attachment (got '$vpn_att')"
vpn_att=$(jq -r '.tables[] | select(.kind == "tgw") | .routes[] | select(.cidr == "192.168.0.0/16") | .targets[0].type' "$tmp/a.json")
[ "$vpn_att" = "vpn" ] || fail "192.168.0.0/16 on the TGW table does not go to a VPN attachment (got '$vpn_att')"
for c in 10.0.0.0/8 192.168.0.0/16; do
	ty=$(jq -r --arg c "$c" '.tables[] | select(.kind == "tgw") | .routes[] | select(.cidr == $c) | .type + "/" + .state' "$tmp/a.json")
	[ "$ty" = "static/active" ] || fail "$c on the TGW table is '$ty', want static/active"
done
for c in 172.16.0.0/16 172.17.0.0/16; do
	ty=$(jq -r --arg c "$c" '.tables[] | select(.kind == "tgw") | .routes[] | select(.cidr == $c) | .targets[0].type + "/" + .type' "$tmp/a.json")
	[ "$ty" = "vpc/propagated" ] || fail "$c on the TGW table is '$ty', want vpc/propagated"
done

beijing=$(jq -r '.tables[] | select(.kind == "vpc") | select(.routes[] | .cidr | startswith("192.168.")) | select(any(.routes[]; .type == "system" and (.cidr | startswith("192.168.")))) | .name' "$tmp/a.json" | head -1)
[ -n "$beijing" ] || fail "no Beijing VPC table (with a 192.168 system route)"
got=$(jq -r --arg b "$beijing" '.tables[] | select(.name == $b) | .routes[] | select(.cidr == "172.16.0.0/12") | .targets[0].type + "/" + .state' "$tmp/a.json")
[ "$got" = "cen/active" ] || fail "Beijing ($beijing) 172.16.0.0/12 is '$got', want cen/active"

# The same file without the CEN publish block: Beijing must lose 172.16.0.0/12 and
# nothing else may change in the TGW table.
python3 - "$net" "$tmp/unpublished.yaml" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
out, skip = [], None
for l in lines:
    stripped = l.lstrip(" ")
    ind = len(l) - len(stripped)
    if skip is not None:
        if stripped == "" or stripped.startswith("#") or ind > skip or (ind == skip and stripped.startswith("- ")):
            continue
        skip = None
    if stripped.startswith("publish:"):
        skip = ind
        continue
    out.append(l)
open(sys.argv[2], "w").write("\n".join(out))
PY
grep -q "publish:" "$tmp/unpublished.yaml" && fail "could not remove the publish block"
"$ctl" -j check "$tmp/unpublished.yaml" >"$tmp/b.json" || fail "check without publish exited $?"
got=$(jq -r --arg b "$beijing" '.tables[] | select(.name == $b) | .routes[] | select(.cidr == "172.16.0.0/12") | .state' "$tmp/b.json")
[ -z "$got" ] || fail "Beijing still has 172.16.0.0/12 ($got) without the publish"
diff <(jq '.tables[] | select(.kind == "tgw")' "$tmp/a.json") <(jq '.tables[] | select(.kind == "tgw")' "$tmp/b.json") >/dev/null ||
	fail "removing the CEN publish changed the TGW table"

# Human output carries the same facts.
"$ctl" check "$net" >"$tmp/a.txt"
grep -Eq '^  10\.0\.0\.0/8 +[^ ]+ +vpn +static +active' "$tmp/a.txt" || fail "human table lacks 10.0.0.0/8 -> vpn static active"
echo "PASS: network A tables as in the post; publish removal only costs Beijing 172.16.0.0/12"
