# shellcheck shell=bash
# bench/tunnel/stacks.sh: bring one stack's tunnel up between gwA and gwB in a fresh
# topology (bench/tunnel/lib.sh topo_up). Sourced by bench/tunnel.sh.
#
# Each stack_up_* returns 0 when hostA reaches hostB through the tunnel (and gwB's
# UDP counters prove it), or 1 with the reason in STACK_REASON. It may set
# STACK_CIPHER (what was really negotiated) and STACK_SETUP_MS.

STACK_REASON=
STACK_CIPHER=
STACK_SETUP_MS=

now_ms() { date +%s%3N; }

# fill TEMPLATE OUT KEY=VALUE...: replaces @KEY@ by VALUE (values are paths,
# addresses, proposal names: no '|' or '\' in them)
fill() {
	local in=$1 out=$2 kv args=()
	shift 2
	for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
	sed "${args[@]}" "$in" >"$out"
	if grep -q '@[A-Z_]*@' "$out"; then die "unfilled placeholder in $out"; fi
}

fail() { STACK_REASON=$1; log "  -> not available: $1"; return 1; }

# ------------------------------------------------------------------ plain
# The ceiling: kernel forwarding over the same veths, no tunnel, no crypto.
stack_up_plain() {
	nsx "$NS_GA" ip route add 10.2.0.0/16 via 198.18.0.2
	nsx "$NS_GB" ip route add 10.1.0.0/16 via 198.18.0.1
	STACK_CIPHER=none
	wait_reachable 3 || fail "plain forwarding does not reach hostB"
}

# ------------------------------------------------------------------ strongSwan
# Two independent charons: STRONGSWAN_CONF selects a private strongswan.conf (vici
# socket, plugins, log); charon's pid file is fixed at /var/run/charon.pid, so each
# one gets a private /run bound over the real one inside the mount namespace that
# `ip netns exec` creates anyway (the bind never reaches the host).
CHARON=${CHARON:-/usr/lib/ipsec/charon}

swan() { local ns=$1 side=$2; shift 2; nsx "$ns" swanctl "$@" --uri "unix://$RUN/swan-$side/charon.vici"; }

swan_conf() { # side me peer local_ip remote_ip local_ts remote_ts esp
	local d=$RUN/swan-$1 sub
	rm -rf "$d"
	mkdir -p "$d/run" "$d/swanctl"
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12 conf.d; do
		mkdir -p "$d/swanctl/$sub"
	done
	fill "$TDIR/strongswan.conf.in" "$d/strongswan.conf" DIR="$d"
	fill "$TDIR/swanctl.conf.in" "$d/swanctl/swanctl.conf" ME="$2" PEER="$3" \
		LOCAL_IP="$4" REMOTE_IP="$5" LOCAL_TS="$6" REMOTE_TS="$7" \
		IKE="$SWAN_IKE" ESP="$8" PSK="$PSK"
}

swan_start() { # ns side
	local d=$RUN/swan-$2 i
	bg_start "$d/stdout.log" ip netns exec "$1" env STRONGSWAN_CONF="$d/strongswan.conf" \
		sh -c "mount --bind '$d/run' /run && exec '$CHARON'"
	for i in $(seq 1 50); do
		[ -S "$d/charon.vici" ] && return 0
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

stack_up_strongswan() { # esp proposal
	local esp=$1 t0
	[ -x "$CHARON" ] || { fail "$CHARON missing (scripts/deps.sh all)"; return 1; }
	[ -f /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
		{ fail "kernel-libipsec plugin missing (libcharon-extra-plugins)"; return 1; }
	swan_conf gwA gwA gwB 198.18.0.1 198.18.0.2 10.1.0.0/16 10.2.0.0/16 "$esp"
	swan_conf gwB gwB gwA 198.18.0.2 198.18.0.1 10.2.0.0/16 10.1.0.0/16 "$esp"
	swan_start "$NS_GA" gwA || { fail "charon in gwA did not start ($RUN/swan-gwA)"; return 1; }
	swan_start "$NS_GB" gwB || { fail "charon in gwB did not start ($RUN/swan-gwB)"; return 1; }
	grep -q 'loaded plugins:.*kernel-libipsec' "$RUN/swan-gwA/charon.log" ||
		{ fail "kernel-libipsec not loaded"; return 1; }
	if ! swan "$NS_GA" gwA --load-all --file "$RUN/swan-gwA/swanctl/swanctl.conf" >/dev/null 2>&1 ||
	   ! swan "$NS_GB" gwB --load-all --file "$RUN/swan-gwB/swanctl/swanctl.conf" >/dev/null 2>&1; then
		fail "swanctl --load-all failed"; return 1
	fi
	t0=$(now_ms)
	swan "$NS_GA" gwA --initiate --child net --timeout 20 >"$RUN/swan-initiate.log" 2>&1 ||
		{ fail "swanctl --initiate failed ($RUN/swan-initiate.log)"; return 1; }
	STACK_SETUP_MS=$(($(now_ms) - t0))
	swan "$NS_GA" gwA --list-sas >"$RUN/swan-sas.txt" 2>&1
	grep -q 'INSTALLED, TUNNEL-in-UDP' "$RUN/swan-sas.txt" ||
		{ fail "CHILD_SA not INSTALLED as TUNNEL-in-UDP"; return 1; }
	STACK_CIPHER=$(awk '/ESP:/ {sub(/.*ESP:/, ""); print $1; exit}' "$RUN/swan-sas.txt")
	wait_reachable 5 || { fail "no ping through the CHILD_SA"; return 1; }
	check_tunnelled || { fail "traffic does not go through ESP-in-UDP"; return 1; }
}

# ------------------------------------------------------------------ OpenVPN
# TLS p2p (static-key mode cannot do AES-GCM and is deprecated in 2.6): self-signed
# EC certificates made once per run, pinned with --peer-fingerprint.
ovpn_certs() {
	local s
	[ -f "$RUN/ovpn-certs/gwB.fp" ] && return 0
	mkdir -p "$RUN/ovpn-certs"
	for s in gwA gwB; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj "/CN=$s" -keyout "$RUN/ovpn-certs/$s.key" -out "$RUN/ovpn-certs/$s.crt" \
			>/dev/null 2>&1 || return 1
		openssl x509 -in "$RUN/ovpn-certs/$s.crt" -noout -fingerprint -sha256 |
			cut -d= -f2 >"$RUN/ovpn-certs/$s.fp"
	done
}

ovpn_conf() { # side role local remote if_local if_remote route peer
	local d=$RUN/ovpn-$1
	rm -rf "$d"
	mkdir -p "$d"
	cp "$RUN/ovpn-certs/$1.crt" "$d/cert.pem"
	cp "$RUN/ovpn-certs/$1.key" "$d/key.pem"
	fill "$TDIR/openvpn.conf.in" "$d/openvpn.conf" DIR="$d" ROLE="$2" LOCAL_IP="$3" \
		REMOTE_IP="$4" IF_LOCAL="$5" IF_REMOTE="$6" ROUTE="$7" \
		PEER_FP="$(cat "$RUN/ovpn-certs/$8.fp")" CIPHER="$OVPN_CIPHER"
}

stack_up_openvpn() {
	local t0 i s ok=0
	command -v openvpn >/dev/null || { fail "openvpn not installed (scripts/deps.sh all)"; return 1; }
	ovpn_certs || { fail "openssl could not make certificates"; return 1; }
	ovpn_conf gwA tls-server 198.18.0.1 198.18.0.2 10.99.0.1 10.99.0.2 10.2.0.0 gwB
	ovpn_conf gwB tls-client 198.18.0.2 198.18.0.1 10.99.0.2 10.99.0.1 10.1.0.0 gwA
	t0=$(now_ms)
	bg_start "$RUN/ovpn-gwA/stdout.log" ip netns exec "$NS_GA" openvpn --config "$RUN/ovpn-gwA/openvpn.conf"
	bg_start "$RUN/ovpn-gwB/stdout.log" ip netns exec "$NS_GB" openvpn --config "$RUN/ovpn-gwB/openvpn.conf"
	for i in $(seq 1 150); do
		if grep -q 'Initialization Sequence Completed' "$RUN/ovpn-gwA/openvpn.log" 2>/dev/null &&
		   grep -q 'Initialization Sequence Completed' "$RUN/ovpn-gwB/openvpn.log" 2>/dev/null; then
			ok=1; break
		fi
		sleep 0.1
	done
	[ $ok = 1 ] || { fail "OpenVPN did not initialise within 15 s ($RUN/ovpn-gwA)"; return 1; }
	STACK_SETUP_MS=$(($(now_ms) - t0))
	s=$(grep -o "Data Channel: cipher '[^']*'" "$RUN/ovpn-gwA/openvpn.log" | head -1 | cut -d"'" -f2)
	[ "$s" = "$OVPN_CIPHER" ] || { fail "data channel cipher is '$s', not $OVPN_CIPHER"; return 1; }
	STACK_CIPHER=$s
	wait_reachable 5 || { fail "no ping through OpenVPN"; return 1; }
	check_tunnelled || { fail "traffic does not go through OpenVPN's UDP"; return 1; }
}

# ------------------------------------------------------------------ transitd
# transitd -c NET.yaml -n NODE -f -s SOCK --netns VPC=PATH: node-a runs gw-a in
# gwA; its TUN goes into the namespace that plays VPC site-a. Row transitd/host
# (TD_TUN_NS=host, the default) puts it into hostA, so the path is hostA -TUN->
# transitd(gwA) -UDP-> transitd(gwB) -TUN-> hostB (one veth crossing and one kernel
# forwarding step fewer than the other stacks); row transitd/gw (TD_TUN_NS=gw) puts
# it into gwA itself, so hostA reaches it over the same veth and kernel forwarding
# as strongSwan's ipsec0 and OpenVPN's ovpn0.
TRANSITD=${TRANSITD:-$REPO/build/transitd}
TD_NET=${TD_NET:-$TDIR/two-sites.yaml}
TD_PID_a=
TD_PID_b=

tun_dev() { # ns -> name of the first TUN device in it
	nsx "$1" ip -j -d link show 2>/dev/null |
		jq -r '[.[] | select(.linkinfo.info_kind == "tun") | .ifname][0] // empty'
}

# transitd may or may not install the VPC route into its TUN itself; if the VPC
# namespace does not send the far site into a TUN, add that route (and log it).
td_route() { # vpc-ns far-cidr far-host
	local ns=$1 dev i
	for i in $(seq 1 50); do
		dev=$(tun_dev "$ns")
		[ -n "$dev" ] && break
		sleep 0.1
	done
	[ -n "$dev" ] || return 1
	nsx "$ns" ip link set "$dev" up 2>/dev/null || true
	if ! nsx "$ns" ip route get "$3" 2>/dev/null | grep -q "dev $dev"; then
		log "  transitd: $ns has no route to $2 via $dev; adding it"
		nsx "$ns" ip route replace "$2" dev "$dev"
	fi
}

# why transitd is not up: a daemon that died says more than "no ping"
td_why() { # default-reason
	local side
	for side in a b; do
		local p=$TD_PID_a
		[ $side = b ] && p=$TD_PID_b
		if ! kill -0 "$p" 2>/dev/null; then
			wait "$p" 2>/dev/null
			local rc=$? how
			how="exit $rc"
			[ $rc -gt 128 ] && how="SIG$(kill -l $((rc - 128)))"
			echo "transitd node-$side died ($how) after start; log $RUN/transitd/node-$side.log"
			return
		fi
	done
	echo "$1"
}

stack_up_transitd() { # host | gw: where the TUN goes
	local vpc_a vpc_b t0 side
	[ -x "$TRANSITD" ] || { fail "$TRANSITD not built (the daemon branch is not merged yet)"; return 1; }
	case $1 in
	host) vpc_a=$NS_HA; vpc_b=$NS_HB ;;
	gw)   vpc_a=$NS_GA; vpc_b=$NS_GB ;;
	*)    fail "TUN placement must be host or gw"; return 1 ;;
	esac
	mkdir -p "$RUN/transitd"
	t0=$(now_ms)
	for side in a b; do
		local gns vns
		if [ $side = a ]; then gns=$NS_GA; vns=$vpc_a; else gns=$NS_GB; vns=$vpc_b; fi
		bg_start "$RUN/transitd/node-$side.log" ip netns exec "$gns" "$TRANSITD" \
			-c "$TD_NET" -n "node-$side" -f -s "$RUN/transitd/node-$side.sock" \
			--netns "site-$side=/run/netns/$vns"
		if [ $side = a ]; then TD_PID_a=$BG_PID; else TD_PID_b=$BG_PID; fi
	done
	td_route "$vpc_a" 10.2.0.0/16 10.2.0.2 || { fail "$(td_why "no TUN device appeared in $vpc_a")"; return 1; }
	td_route "$vpc_b" 10.1.0.0/16 10.1.0.2 || { fail "$(td_why "no TUN device appeared in $vpc_b")"; return 1; }
	wait_reachable 10 || { fail "$(td_why "no ping through transitd within 10 s")"; return 1; }
	STACK_SETUP_MS=$(($(now_ms) - t0))
	# what manual keying gave, if the daemon logs it; else what the file implies
	STACK_CIPHER=$(grep -oiE 'aes-?(128|256)-?gcm[0-9]*|chacha20-?poly1305' "$RUN/transitd/node-a.log" | head -1)
	[ -n "$STACK_CIPHER" ] || STACK_CIPHER=manual
	check_tunnelled || { fail "$(td_why "traffic does not go through ESP-in-UDP")"; return 1; }
}
