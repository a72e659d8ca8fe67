#!/usr/bin/env bash
# Installs the Debian 12 packages transit needs, only those that are missing.
#   scripts/deps.sh build   compiler, cmake, libyaml, libcrypto, cmocka
#   scripts/deps.sh test    build + what the test suite drives (iproute2, ping, iperf3,
#                           tcpdump, tshark, strongSwan with kernel-libipsec, jq)
#   scripts/deps.sh fuzz    build + clang and its libFuzzer runtime (scripts/fuzz.sh)
#   scripts/deps.sh all     test + fuzz + the benchmark peers (OpenVPN, BIRD, FRR, GoBGP, hyperfine)
set -euo pipefail
what=${1:-build}
BUILD=(build-essential cmake ninja-build pkg-config libyaml-dev libssl-dev libcmocka-dev libjansson-dev)
TEST=(iproute2 iputils-ping iperf3 tcpdump tshark jq python3
      strongswan-charon strongswan-swanctl libcharon-extra-plugins
      libstrongswan-standard-plugins libstrongswan-extra-plugins)
FUZZ=(clang libclang-rt-14-dev)
ALL=(openvpn openssl bird2 frr gobgpd hyperfine)
case $what in
  build) pkgs=("${BUILD[@]}") ;;
  test)  pkgs=("${BUILD[@]}" "${TEST[@]}") ;;
  fuzz)  pkgs=("${BUILD[@]}" "${FUZZ[@]}") ;;
  all)   pkgs=("${BUILD[@]}" "${TEST[@]}" "${FUZZ[@]}" "${ALL[@]}") ;;
  *) echo "usage: $0 build|test|fuzz|all" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}; run as root (or: sudo $0 $what)" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done"
