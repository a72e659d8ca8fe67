# shellcheck shell=bash
# Shared by the strongSwan interop tests (source it after tests/integration/lib.sh
# and itest_init): one charon (Debian's strongswan-charon, ESP in userspace through
# the kernel-libipsec plugin: this kernel has no XFRM ESP) facing transitd over a
# veth, configured per case without restarting it.
#
#   va 10.1.0.10 -- [transitd, gw-a] 192.0.2.1 ==veth== 192.0.2.2 [charon] 10.2.0.10 (lo)
#
#   charon_require             skip (exit 77, reason) unless root, charon, swanctl,
#                              the kernel-libipsec plugin and ping
#   charon_topology            the namespaces $ga (transitd), $gs (charon), $va
#                              (the VPC behind transitd); veth $ua (in $ga) - $us
#   charon_conf IKE ESP        write swanctl.conf: connection "ab", child "net",
#                              accepting ONLY these proposals (strongSwan syntax)
#   charon_start / charon_stop one charon in $gs (private strongswan.conf, a /run
#                              bind mount: its pid file is fixed), config loaded
#   charon_load                swanctl --load-all (new proposals for the next case)
#   charon_reset               terminate every SA charon has, wait until none
#   swan ARGS                  swanctl against this charon's vici socket
#   td_start TAG PROFILE STARTUP   transitd in $ga with nets/ike.yaml's tunnel using
#                              PROFILE and startup STARTUP (start|add); sets $sock
#   td_stop                    SIGTERM (it sends Delete(IKE)), exit status checked
#   td_wait_up                 the tunnel shows "up" within 15 s
#   td_child_spis              "IN OUT" of transitd's installed Child SA (hex, no 0x)
#
# As in /work/shared/lab/ref-ipsec.sh.  libipsec fakes a NAT, so IKE moves to UDP
# 4500 with the non-ESP marker after IKE_SA_INIT and ESP is UDP-encapsulated.

CHARON=/usr/lib/ipsec/charon
LIBIPSEC=/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so
charon_pid=""
td_pid_cur=""

charon_require() {
	itest_require ping swanctl "$@"
	if [ ! -x "$CHARON" ] || [ ! -f "$LIBIPSEC" ]; then
		echo "SKIP: needs $CHARON and $LIBIPSEC (strongswan-charon, libcharon-extra-plugins)"
		exit 77
	fi
}

charon_topology() {
	local p=td-$$
	ga=$p-ga; gs=$p-gs; va=$p-va
	ua=$p-u0; us=$p-u1
	itest_ns "$ga" "$gs" "$va"
	ip link add "$ua" netns "$ga" type veth peer name "$us" netns "$gs" || fail "veth"
	ip -n "$ga" addr add 192.0.2.1/24 dev "$ua"
	ip -n "$gs" addr add 192.0.2.2/24 dev "$us"
	ip -n "$ga" link set "$ua" up
	ip -n "$gs" link set "$us" up
	ip -n "$gs" addr add 10.2.0.10/32 dev lo
	ip -n "$va" addr add 10.1.0.10/32 dev lo
	cd_=$tmp/charon
	mkdir -p "$cd_/run" "$cd_/swanctl"
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa \
	    ecdsa bliss pkcs8 pkcs12 conf.d; do
		mkdir -p "$cd_/swanctl/$sub"
	done
	# openssl brings MODP-1024 and the ECP groups; gmp the MODP groups too.
	cat >"$cd_/strongswan.conf" <<EOF
charon {
    load_modular = no
    load = random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 curve25519 gmp kernel-libipsec kernel-netlink socket-default vici
    install_routes = yes
    routing_table = 220
    routing_table_prio = 220
    filelog {
        charonlog {
            path = $cd_/charon.log
            time_format = %H:%M:%S
            flush_line = yes
            default = 1
            ike = 2
        }
    }
    plugins {
        vici {
            socket = unix://$cd_/charon.vici
        }
    }
}
EOF
}

charon_conf() {
	local ike=$1 esp=$2
	cat >"$cd_/swanctl/swanctl.conf" <<EOF
connections {
    ab {
        version = 2
        local_addrs = 192.0.2.2
        remote_addrs = 192.0.2.1
        encap = yes
        proposals = $ike
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
                esp_proposals = $esp
                start_action = none
            }
        }
    }
}
secrets {
    ike-ab {
        id-a = 192.0.2.1
        id-b = 192.0.2.2
        secret = "lab.only.ike.two.sites"
    }
}
EOF
}

swan() {
	ip netns exec "$gs" swanctl "$@" --uri "unix://$cd_/charon.vici"
}

charon_load() {
	swan --load-all --file "$cd_/swanctl/swanctl.conf" >"$cd_/load.log" 2>&1 ||
	    fail "swanctl --load-all: $(cat "$cd_/load.log")"
}

charon_start() {
	ip netns exec "$gs" env STRONGSWAN_CONF="$cd_/strongswan.conf" \
	    sh -c "mount --bind '$cd_/run' /run && exec '$CHARON'" >"$cd_/stdout.log" 2>&1 &
	charon_pid=$!
	itest_pids="$itest_pids $charon_pid"
	for _ in $(seq 100); do
		[ -S "$cd_/charon.vici" ] && break
		kill -0 "$charon_pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -S "$cd_/charon.vici" ] ||
	    fail "charon did not start: $(cat "$cd_/stdout.log" "$cd_/charon.log" 2>&1)"
	charon_load
}

charon_stop() {
	kill -TERM "$charon_pid" 2>/dev/null
	wait "$charon_pid" 2>/dev/null
	itest_forget "$charon_pid"
	rm -f "$cd_/charon.vici"
}

charon_reset() {
	swan --terminate --ike ab --force --timeout 2 >/dev/null 2>&1
	for _ in $(seq 50); do
		swan --list-sas 2>/dev/null | grep -q "ab: #" || return 0
		sleep 0.05
	done
	fail "charon still has SAs: $(swan --list-sas)"
}

td_start() {
	local tag=$1 profile=$2 startup=$3
	sed -e "s/profile: aws/profile: $profile/" \
	    -e "s/startup: start/startup: $startup/" \
	    "$src/tests/integration/nets/ike.yaml" >"$tmp/$tag.yaml"
	sock=$tmp/$tag.sock
	td_log=$tmp/log-$tag
	itest_start_td "$tag" "$ga" -c "$tmp/$tag.yaml" -n node-a -s "$sock" \
	    --netns "vpc-a=/run/netns/$va"
	td_pid_cur=$td_pid
	itest_wait_sock "$sock"
}

td_stop() {
	local rc
	kill -TERM "$td_pid_cur"
	wait "$td_pid_cur"
	rc=$?
	itest_forget "$td_pid_cur"
	[ $rc = 0 ] || fail "transitd exited $rc"
	! grep -q "Sanitizer\|runtime error" "$td_log" || fail "sanitizer report"
}

td_wait_up() {
	for _ in $(seq 300); do
		"$ctl" -s "$sock" show tunnels 2>/dev/null | grep -q "conn-ab/1 .* up" &&
		    return 0
		sleep 0.05
	done
	return 1
}

td_child_spis() {
	"$ctl" -s "$sock" show child-sas |
	    awk '/installed/ { i = $(NF - 1); o = $NF; sub(/^0x/, "", i);
		sub(/_i$/, "", i); sub(/^0x/, "", o); sub(/_o$/, "", o);
		print i, o; exit }'
}
