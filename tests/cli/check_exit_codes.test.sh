#!/usr/bin/env bash
# transitctl exit codes: 0 valid, 1 invalid file (errors on stderr as file:line:col),
# 2 usage; -j keeps stdout valid JSON in both cases.
set -uo pipefail
build=$1 src=$2
ctl=$build/transitctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$ctl" check "$src/examples/aws-alibaba-cen.yaml" >/dev/null; rc=$?
[ $rc = 0 ] || fail "valid file: exit $rc, want 0"
"$ctl" check "$src/examples/aws-gcp-ha-vpn.yaml" >/dev/null; rc=$?
[ $rc = 0 ] || fail "network B: exit $rc, want 0"

printf 'version: 1\nname: bad\nregions:\n  - name: r1\n    cloud: aws\nvpcs:\n  - name: v1\n    region: r2\n    cidrs: [10.0.0.1/8]\n' >"$tmp/bad.yaml"
"$ctl" check "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] || fail "invalid file: exit $rc, want 1"
grep -q "bad.yaml:8:" "$tmp/err" || fail "no file:line for the undefined region: $(cat "$tmp/err")"
grep -q "bad.yaml:9:" "$tmp/err" || fail "no file:line for the host-bits CIDR: $(cat "$tmp/err")"
"$ctl" -j check "$tmp/bad.yaml" >"$tmp/out.json" 2>/dev/null; rc=$?
[ $rc = 1 ] || fail "invalid file with -j: exit $rc, want 1"
jq -e '.valid == false and (.errors | length) >= 2' "$tmp/out.json" >/dev/null || fail "-j errors not JSON"

"$ctl" check >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "missing argument: exit $rc, want 2"
"$ctl" frobnicate >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "unknown command: exit $rc, want 2"
"$ctl" check "$tmp/does-not-exist.yaml" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] || fail "missing file: exit $rc, want 1"
"$ctl" help check | grep -q "check" || fail "help check"
echo "PASS: exit codes 0/1/2 and JSON errors"
