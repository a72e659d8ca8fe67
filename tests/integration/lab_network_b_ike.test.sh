#!/usr/bin/env bash
# Network B of docs/seeds.md (examples/aws-gcp-ha-vpn.yaml): the four HA VPN
# tunnels key themselves with IKEv2 from the one network file, in transitlab with
# the real transitd.
#
# 1. `transitlab up` waits for IKE and reports 8 of 8 tunnel ends up.
# 2. Each end starts as its cloud does (startup auto): the GCP node initiated all
#    four IKE SAs, the AWS node answered (show ike-sas: role, "startup add" on the
#    AWS side, "startup start" on GCP), two tunnels share each GCP interface.
# 3. The profile's first suite was negotiated (aws: AES_CBC-256, SHA2-256,
#    MODP_2048) and the Child SA SPIs agree crosswise (AWS in = GCP out).
# 4. `down` leaves no namespace of the lab.
# Routes over the tunnels need BGP (routing: bgp), which transitd does not speak
# yet, so no ping crosses them here.
# Usage: lab_network_b_ike.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not
# root.
set -u
build=${1:?build dir}
src=${2:?source dir}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, veths, TUN)"
	exit 77
fi
for tool in ip jq awk; do
	command -v "$tool" >/dev/null || { echo "SKIP: needs $tool"; exit 77; }
done
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
lab=$build/transitlab
ctl=$build/transitctl
transitd=${TRANSITD:-$build/transitd}
for b in "$lab" "$ctl" "$transitd"; do
	[ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }
done
net=$src/examples/aws-gcp-ha-vpn.yaml
name=lnbike$$
tmp=$(mktemp -d)
cleanup() {
	"$lab" down "$name" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

"$lab" up --name "$name" "$net" \
	--daemon-cmd "$transitd -c {net} -n {node} -f -s {sock} --emulate-wan {netns}" \
	>"$tmp/up" 2>&1 || fail "up: $(cat "$tmp/up")"
id=$(cat "/run/transitlab/$name/id")
grep -q "^IKE: 8 of 8 tunnel ends up" "$tmp/up" ||
	grep -q "tunnels: aws-gcp-0/1 up, aws-gcp-0/2 up, aws-gcp-1/1 up, aws-gcp-1/2 up" \
	"$tmp/up" || fail "not all tunnel ends up: $(cat "$tmp/up")"
echo "ok: transitlab up waits for IKE: 8 of 8 tunnel ends up"

sock=/run/transitlab/$name/sock
for n in aws gcp; do
	"$ctl" -j -s "$sock/$n.sock" show ike-sas >"$tmp/ike-$n.json" ||
		fail "show ike-sas on $n"
	"$ctl" -j -s "$sock/$n.sock" show child-sas >"$tmp/child-$n.json" ||
		fail "show child-sas on $n"
done
for n in aws gcp; do
	[ "$(jq '[.[] | select(.state == "established")] | length' "$tmp/ike-$n.json")" = 4 ] ||
		fail "$n: not 4 established IKE SAs: $(cat "$tmp/ike-$n.json")"
done
[ "$(jq -r '[.[].role] | unique | join(",")' "$tmp/ike-aws.json")" = responder ] ||
	fail "the AWS end initiated: $(jq -c '[.[].role]' "$tmp/ike-aws.json")"
[ "$(jq -r '[.[].role] | unique | join(",")' "$tmp/ike-gcp.json")" = initiator ] ||
	fail "the GCP end did not initiate: $(jq -c '[.[].role]' "$tmp/ike-gcp.json")"
[ "$(jq -r '[.[].startup] | unique | join(",")' "$tmp/ike-aws.json")" = add ] ||
	fail "AWS startup is not add"
[ "$(jq -r '[.[].startup] | unique | join(",")' "$tmp/ike-gcp.json")" = start ] ||
	fail "GCP startup is not start"
# Two tunnels on each GCP interface.
[ "$(jq -r '[.[].local] | group_by(.) | map(length) | join(",")' "$tmp/ike-gcp.json")" = 2,2 ] ||
	fail "GCP tunnels per interface: $(jq -c '[.[].local]' "$tmp/ike-gcp.json")"
echo "ok: GCP initiated all four IKE SAs, AWS answered (startup auto), two per GCP interface"

for n in aws gcp; do
	[ "$(jq -r '[.[].suite] | unique | join(",")' "$tmp/ike-$n.json")" = \
		"AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" ] ||
		fail "$n: IKE suites $(jq -c '[.[].suite]' "$tmp/ike-$n.json")"
done
# SPIs crosswise, tunnel by tunnel.
jq -r '.[] | "\(.tunnel) \(.spi_in) \(.spi_out)"' "$tmp/child-aws.json" | sort >"$tmp/aws"
jq -r '.[] | "\(.tunnel) \(.spi_out) \(.spi_in)"' "$tmp/child-gcp.json" | sort >"$tmp/gcp"
[ "$(wc -l <"$tmp/aws")" = 4 ] || fail "AWS has $(wc -l <"$tmp/aws") Child SA pairs"
diff "$tmp/aws" "$tmp/gcp" >/dev/null ||
	fail "Child SA SPIs do not agree: $(paste "$tmp/aws" "$tmp/gcp")"
echo "ok: aws profile negotiated on all four; Child SA SPIs agree crosswise"

"$lab" down "$name" >/dev/null 2>&1 || fail "down"
[ -z "$(ip netns list | grep "^$id-")" ] || fail "namespaces of $id left"
echo "ok: down leaves nothing"
echo PASS
