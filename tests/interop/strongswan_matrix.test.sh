#!/usr/bin/env bash
# The profile matrix against strongSwan's charon (tests/interop/charon.sh): for
# each suite a cloud profile carries, charon is configured to accept ONLY that
# suite (swanctl proposals / esp_proposals) while transitd offers its whole
# profile, in both roles:
#
#   case          profile  IKE (charon)                  ESP (charon, PFS)
#   aws-cbc       aws      aes256-sha256-modp2048        aes256-sha256-modp2048
#   aws-gcm       aws      aes256gcm16-prfsha256-ecp256  aes256gcm16-ecp256
#   gcp-ecp256    gcp      aes256gcm16-prfsha256-ecp256  aes256gcm16-ecp256
#   gcp-ecp384    gcp      aes256gcm16-prfsha256-ecp384  aes256gcm16-ecp384
#   alibaba-dh2   alibaba  aes128-sha1-modp1024          aes128-sha1-modp1024
#   alibaba-dh14  alibaba  aes256-sha256-modp2048        aes256-sha256-modp2048
#
# x {transitd initiates, charon initiates}.  Each time: the tunnel comes up (when
# transitd initiates with a group that is not its profile's first, charon answers
# INVALID_KE_PAYLOAD and transitd retries with the group it names), a ping from
# the VPC behind transitd to 10.2.0.10 behind charon passes, charon's
# `swanctl --list-sas` shows exactly the case's IKE and ESP algorithms, and its
# Child SA SPIs are transitd's (`transitctl show child-sas`) crosswise.  Then
# transitd rekeys the Child SA with PFS (the ESP group: charon asks for it with
# INVALID_KE_PAYLOAD when it is not the profile's first), charon's new Child SA
# shows the group, the SPIs still agree, and a ping passes.
#
# One case (aws-gcm, transitd initiating) runs with the underlay captured, and
# tshark must see IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL, ESP
# (UDP-encapsulated), and no plaintext ICMP echo.
#
# charon and the namespaces are shared by all cases (new proposals through
# swanctl --load-all); transitd restarts per case (its profile changes).
# Usage: strongswan_matrix.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not
# root or charon / swanctl / kernel-libipsec are missing; MATRIX=case,... runs a
# subset.
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/charon.sh"
itest_init "$@"
charon_require
have_tshark=1
command -v tshark >/dev/null && command -v tcpdump >/dev/null || have_tshark=0

# case profile ike esp ike-on-charon esp-on-charon pfs-group first-in-profile
cases="
aws-cbc aws aes256-sha256-modp2048 aes256-sha256-modp2048 AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 AES_CBC-256/HMAC_SHA2_256_128 MODP_2048 yes
aws-gcm aws aes256gcm16-prfsha256-ecp256 aes256gcm16-ecp256 AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256 AES_GCM_16-256 ECP_256 no
gcp-ecp256 gcp aes256gcm16-prfsha256-ecp256 aes256gcm16-ecp256 AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256 AES_GCM_16-256 ECP_256 yes
gcp-ecp384 gcp aes256gcm16-prfsha256-ecp384 aes256gcm16-ecp384 AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_384 AES_GCM_16-256 ECP_384 no
alibaba-dh2 alibaba aes128-sha1-modp1024 aes128-sha1-modp1024 AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 AES_CBC-128/HMAC_SHA1_96 MODP_1024 yes
alibaba-dh14 alibaba aes256-sha256-modp2048 aes256-sha256-modp2048 AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 AES_CBC-256/HMAC_SHA2_256_128 MODP_2048 no
"

charon_topology
charon_conf aes256-sha256-modp2048 aes256-sha256-modp2048
charon_start

# spis_agree WHAT SASFILE: transitd's installed pair is charon's INSTALLED one.
spis_agree() {
	local what=$1 f=$2 i o
	read -r i o < <(td_child_spis)
	[ -n "$i" ] && [ -n "$o" ] || fail "$what: transitd shows no installed Child SA"
	grep -A3 "INSTALLED" "$f" | grep -qi "in  $o," ||
	    fail "$what: our outbound SPI $o is not charon's inbound: $(cat "$f")"
	grep -A3 "INSTALLED" "$f" | grep -qi "out $i," ||
	    fail "$what: our inbound SPI $i is not charon's outbound: $(cat "$f")"
	spis="$i $o"
}

ping_through() {
	local out
	out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 2 10.2.0.10 2>&1) ||
	    fail "$1: ping through charon: $out $(swan --list-sas)"
}

# run NAME PROFILE IKE ESP IKE_EXP ESP_EXP PFS FIRST ROLE(td|charon) [CAPTURE]
run() {
	local name=$1 profile=$2 ike=$3 esp=$4 ike_exp=$5 esp_exp=$6 pfs=$7 first=$8
	local role=$9 cap=${10:-} what="$1/$9 initiates" f old new
	charon_conf "$ike" "$esp"
	charon_load
	[ -n "$cap" ] && itest_capture_start "$cap"
	if [ "$role" = td ]; then
		td_start "$name-td" "$profile" start
	else
		td_start "$name-ch" "$profile" add
		swan --initiate --child net --timeout 20 >"$tmp/initiate" 2>&1 ||
		    fail "$what: swanctl --initiate: $(cat "$tmp/initiate")"
	fi
	td_wait_up || fail "$what: tunnel not up: $("$ctl" -s "$sock" show tunnels; swan --list-sas)"
	if [ "$role" = td ]; then
		grep -q "IKE SA up (initiator)" "$td_log" || fail "$what: transitd not the initiator"
		if [ "$first" = no ]; then
			grep -q "peer wants D-H group" "$td_log" ||
			    fail "$what: no INVALID_KE_PAYLOAD retry"
		fi
	else
		grep -q "IKE SA up (responder)" "$td_log" || fail "$what: transitd not the responder"
	fi
	ping_through "$what"
	f=$tmp/sas-$name-$role
	swan --list-sas >"$f" 2>&1
	grep -q "^  *$ike_exp\$" "$f" || fail "$what: charon's IKE SA is not $ike_exp: $(cat "$f")"
	grep -q "INSTALLED, TUNNEL-in-UDP, ESP:$esp_exp\$" "$f" ||
	    fail "$what: charon's Child SA is not $esp_exp: $(cat "$f")"
	spis_agree "$what" "$f"
	old=$spis
	# A Child SA rekey by transitd, with PFS in the case's group.
	"$ctl" -s "$sock" tunnel rekey conn-ab/1 >/dev/null || fail "$what: tunnel rekey"
	# charon lists the old pair a while longer (REKEYED, DELETED): its
	# INSTALLED one must be our new pair, with the PFS group.
	for _ in $(seq 100); do
		new=$(td_child_spis)
		swan --list-sas >"$f" 2>&1
		[ -n "$new" ] && [ "$new" != "$old" ] &&
		    grep -q "INSTALLED, TUNNEL-in-UDP, ESP:$esp_exp/$pfs\$" "$f" &&
		    grep -A3 "INSTALLED" "$f" | grep -qi "in  ${new#* }," && break
		sleep 0.05
	done
	grep -q "INSTALLED, TUNNEL-in-UDP, ESP:$esp_exp/$pfs\$" "$f" ||
	    fail "$what: charon's rekeyed Child SA is not $esp_exp/$pfs: $(cat "$f")"
	spis_agree "$what, after the rekey" "$f"
	[ "$spis" != "$old" ] || fail "$what: the rekey changed no SPI"
	ping_through "$what, after the rekey"
	td_stop
	charon_reset
	[ -n "$cap" ] && itest_capture_stop
	echo "ok: $what: IKE $ike_exp, ESP $esp_exp, rekeyed with PFS $pfs, SPIs agree, ping"
}

# tshark_check FILE: the IKEv2 exchanges and ESP on the underlay, no plain ICMP.
tshark_check() {
	local cap=$1 ex n
	ex=$(tshark -r "$cap" -Y isakmp -T fields -e isakmp.exchangetype 2>"$cap.terr" |
	    tr ',' '\n' | sort -u | tr '\n' ' ')
	for want in 34 35 36 37; do
		case " $ex " in
		*" $want "*) ;;
		*) fail "tshark: no IKEv2 exchange type $want on the underlay (saw: $ex) $(cat "$cap.terr")" ;;
		esac
	done
	n=$(tshark -r "$cap" -Y esp 2>/dev/null | wc -l)
	[ "$n" -ge 8 ] || fail "tshark: $n ESP packets on the underlay, want >= 8"
	n=$(tshark -r "$cap" -Y "udp.port == 4500 && esp" -T fields -e esp.spi 2>/dev/null |
	    sort -u | wc -l)
	[ "$n" -ge 4 ] || fail "tshark: ESP-in-UDP with $n SPIs, want both pairs both ways (4)"
	n=$(tshark -r "$cap" -Y "icmp.type == 8 || icmp.type == 0" 2>/dev/null | wc -l)
	[ "$n" = 0 ] || fail "tshark: $n plaintext ICMP echo packets on the underlay"
	echo "ok: tshark: IKEv2 exchanges $ex, ESP-in-UDP, no plaintext ICMP"
}

start_s=$(date +%s)
while read -r name profile ike esp ike_exp esp_exp pfs first; do
	[ -n "$name" ] || continue
	case ",${MATRIX:-$name}," in *",$name,"*) ;; *) continue ;; esac
	cap=""
	[ "$name" = aws-gcm ] && [ $have_tshark = 1 ] && cap=$tmp/underlay.pcap
	run "$name" "$profile" "$ike" "$esp" "$ike_exp" "$esp_exp" "$pfs" "$first" td "$cap"
	[ -n "$cap" ] && tshark_check "$cap"
	run "$name" "$profile" "$ike" "$esp" "$ike_exp" "$esp_exp" "$pfs" "$first" charon
done <<<"$cases"
[ $have_tshark = 1 ] || echo "note: tshark or tcpdump missing, the capture check was skipped (apt-get install tshark tcpdump)"
charon_stop
echo "PASS ($(($(date +%s) - start_s)) s)"
