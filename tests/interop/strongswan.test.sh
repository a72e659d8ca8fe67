#!/usr/bin/env bash
# transitd against strongSwan's charon (Debian strongswan-charon, ESP in userspace
# through the kernel-libipsec plugin: this kernel has no XFRM ESP), profile aws
# (AES-CBC-256 / SHA2-256 / MODP-2048, PFS group 14), in both roles:
#   1. transitd initiates (startup: start), charon answers;
#   2. charon initiates (swanctl --initiate), transitd (startup: add) answers;
# each time: ping from the VPC behind transitd to an address behind charon, the
# Child SA shown by both (`transitctl show child-sas`, `swanctl --list-sas`) with
# matching SPIs, then a Child SA rekey by transitd, a Child and an IKE SA rekey by
# charon, and a ping after each.
#
#   va 10.1.0.10 -- [transitd, gw-a] 192.0.2.1 ==veth== 192.0.2.2 [charon] 10.2.0.10 (lo)
#
# charon runs per namespace as in /work/shared/lab/ref-ipsec.sh: a private
# strongswan.conf (STRONGSWAN_CONF), a private /run bind mount (its pid file is
# fixed), swanctl --load-all.  libipsec fakes a NAT, so IKE moves to UDP 4500 with
# the non-ESP marker after IKE_SA_INIT.
# Usage: strongswan.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root or
# charon / swanctl / the kernel-libipsec plugin are missing.
set -u
. "$(dirname "$0")/../integration/lib.sh"
itest_init "$@"
CHARON=/usr/lib/ipsec/charon
LIBIPSEC=/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so
itest_require ping swanctl
if [ ! -x "$CHARON" ] || [ ! -f "$LIBIPSEC" ]; then
	echo "SKIP: needs $CHARON and $LIBIPSEC (strongswan-charon, libcharon-extra-plugins)"
	exit 77
fi

p=td-$$
ga=$p-ga; gs=$p-gs; va=$p-va
ua=$p-u0; us=$p-u1
charon_pid=""
itest_ns "$ga" "$gs" "$va"
ip link add "$ua" netns "$ga" type veth peer name "$us" netns "$gs" || fail "veth"
ip -n "$ga" addr add 192.0.2.1/24 dev "$ua"
ip -n "$gs" addr add 192.0.2.2/24 dev "$us"
ip -n "$ga" link set "$ua" up
ip -n "$gs" link set "$us" up
ip -n "$gs" link set lo up
ip -n "$gs" addr add 10.2.0.10/32 dev lo
ip -n "$va" addr add 10.1.0.10/32 dev lo
psk=lab.only.ike.two.sites

d=$tmp/charon
mkdir -p "$d/run" "$d/swanctl"
for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa \
    bliss pkcs8 pkcs12 conf.d; do
	mkdir -p "$d/swanctl/$sub"
done
cat >"$d/strongswan.conf" <<EOF
charon {
    load_modular = no
    load = random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 curve25519 gmp kernel-libipsec kernel-netlink socket-default vici
    install_routes = yes
    routing_table = 220
    routing_table_prio = 220
    filelog {
        charonlog {
            path = $d/charon.log
            time_format = %H:%M:%S
            flush_line = yes
            default = 1
            ike = 2
        }
    }
    plugins {
        vici {
            socket = unix://$d/charon.vici
        }
    }
}
EOF
cat >"$d/swanctl/swanctl.conf" <<EOF
connections {
    ab {
        version = 2
        local_addrs = 192.0.2.2
        remote_addrs = 192.0.2.1
        encap = yes
        proposals = aes256-sha256-modp2048
        dpd_delay = 10s
        local {
            auth = psk
            id = 192.0.2.2
        }
        remote {
            auth = psk
            id = 192.0.2.1
        }
        children {
            net {
                local_ts = 10.2.0.0/16
                remote_ts = 10.1.0.0/16
                esp_proposals = aes256-sha256-modp2048
                start_action = none
            }
        }
    }
}
secrets {
    ike-ab {
        id-a = 192.0.2.1
        id-b = 192.0.2.2
        secret = "$psk"
    }
}
EOF

swan() {
	ip netns exec "$gs" swanctl "$@" --uri "unix://$d/charon.vici"
}

charon_start() {
	ip netns exec "$gs" env STRONGSWAN_CONF="$d/strongswan.conf" \
	    sh -c "mount --bind '$d/run' /run && exec '$CHARON'" >"$d/stdout.log" 2>&1 &
	charon_pid=$!
	itest_pids="$itest_pids $charon_pid"
	for _ in $(seq 50); do
		[ -S "$d/charon.vici" ] && break
		kill -0 "$charon_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$d/charon.vici" ] || fail "charon did not start: $(cat "$d/stdout.log" "$d/charon.log" 2>&1)"
	swan --load-all --file "$d/swanctl/swanctl.conf" >"$d/load.log" 2>&1 ||
	    fail "swanctl --load-all: $(cat "$d/load.log")"
}

charon_stop() {
	kill -TERM "$charon_pid" 2>/dev/null
	wait "$charon_pid" 2>/dev/null
	itest_forget "$charon_pid"
	rm -f "$d/charon.vici"
}

wait_up() {
	for _ in $(seq 150); do
		"$ctl" -s "$tmp/a.sock" show tunnels 2>/dev/null | grep -q "conn-ab/1 .* up" &&
		    return 0
		sleep 0.1
	done
	return 1
}

# check ROLE: the SAs agree, ping, rekey by transitd, ping.
check() {
	local role=$1 spi new last out
	wait_up || fail "$role: tunnel not up: $("$ctl" -s "$tmp/a.sock" show tunnels; swan --list-sas)"
	out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 2 10.2.0.10) ||
	    fail "$role: ping through charon: $out $(swan --list-sas)"
	swan --list-sas >"$tmp/sas-$role" 2>&1
	grep -q "INSTALLED, TUNNEL-in-UDP" "$tmp/sas-$role" ||
	    fail "$role: charon has no installed Child SA: $(cat "$tmp/sas-$role")"
	grep -q "AES_CBC-256/HMAC_SHA2_256_128" "$tmp/sas-$role" ||
	    fail "$role: charon's Child SA is not aws's aes256-sha256: $(cat "$tmp/sas-$role")"
	spi=$("$ctl" -s "$tmp/a.sock" show child-sas | awk '/installed/ {print $NF; exit}')
	spi=${spi%_o}
	spi=${spi#0x}
	grep -qi "in  $spi," "$tmp/sas-$role" ||
	    fail "$role: our outbound SPI $spi is not charon's: $(cat "$tmp/sas-$role")"
	"$ctl" -s "$tmp/a.sock" tunnel rekey conn-ab/1 >/dev/null || fail "$role: tunnel rekey"
	for _ in $(seq 50); do
		grep -c "Child SA deleted" "$tmp/log-a" | grep -qv "^$ndel$" && break
		sleep 0.1
	done
	ndel=$(grep -c "Child SA deleted" "$tmp/log-a")
	out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 2 10.2.0.10) ||
	    fail "$role: ping after our rekey: $out $(swan --list-sas)"
	new=$("$ctl" -s "$tmp/a.sock" show child-sas | awk '/installed/ {print $NF; exit}')
	new=${new%_o}
	new=${new#0x}
	[ -n "$new" ] && [ "$new" != "$spi" ] || fail "$role: SPI unchanged by the rekey ($new)"
	swan --list-sas >"$tmp/sas2-$role" 2>&1
	# charon lists the old pair as DELETED for a moment: the INSTALLED one counts.
	grep -A2 "INSTALLED" "$tmp/sas2-$role" | grep -qi "in  $new," ||
	    fail "$role: charon's installed Child SA is not our new one ($new): $(cat "$tmp/sas2-$role")"
	# charon rekeys the Child SA, then the IKE SA: still one pair, traffic flows.
	swan --rekey --child net >/dev/null 2>&1 || fail "$role: swanctl --rekey --child"
	swan --rekey --ike ab >/dev/null 2>&1 || fail "$role: swanctl --rekey --ike"
	for _ in $(seq 30); do
		grep -q "IKE SA rekeyed" "$tmp/log-a" && break
		sleep 0.1
	done
	grep -q "IKE SA rekeyed" "$tmp/log-a" || fail "$role: no IKE SA rekey seen"
	out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 2 10.2.0.10) ||
	    fail "$role: ping after charon's rekeys: $out $(swan --list-sas)"
	last=$("$ctl" -s "$tmp/a.sock" show child-sas | awk '/installed/ {print $NF; exit}')
	[ "${last%_o}" != "0x$new" ] || fail "$role: charon's Child rekey changed nothing"
	echo "ok: $role: up, ping through charon, SPIs agree, rekey by transitd, by charon (Child and IKE), ping"
}

ndel=0
# 1. transitd initiates.
cp "$src/tests/integration/nets/ike.yaml" "$tmp/a.yaml"
charon_start
itest_start_td a "$ga" -c "$tmp/a.yaml" -n node-a -s "$tmp/a.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_wait_sock "$tmp/a.sock"
check "transitd initiator"
kill -TERM "$pid_a"
wait "$pid_a" || fail "transitd exited $?"
itest_forget "$pid_a"
charon_stop

# 2. charon initiates.
sed 's/startup: start/startup: add/' "$src/tests/integration/nets/ike.yaml" >"$tmp/a.yaml"
: >"$tmp/log-a"
ndel=0
itest_start_td a "$ga" -c "$tmp/a.yaml" -n node-a -s "$tmp/a.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_wait_sock "$tmp/a.sock"
charon_start
swan --initiate --child net --timeout 20 >"$d/initiate.log" 2>&1 ||
    fail "swanctl --initiate: $(cat "$d/initiate.log")"
check "charon initiator"
grep -q "IKE SA up (responder)" "$tmp/log-a" || fail "transitd was not the responder"
kill -TERM "$pid_a"
wait "$pid_a" || fail "transitd exited $?"
itest_forget "$pid_a"
charon_stop
grep -q "Sanitizer\|runtime error" "$tmp/log-a" && fail "sanitizer report"
echo "PASS"
