# shellcheck shell=bash
# Shared by the namespace integration tests: skip rules, the namespaces a test makes,
# the daemons it starts (by PID), cleanup on every exit, and failure reports that show
# the daemons' logs.  Source it, then call itest_init BUILD SRC.
#
#   itest_require TOOL...      skip (exit 77, reason printed) unless root, the tools
#                              and /dev/net/tun are there
#   itest_ns NAME...           make namespaces (lo up, rp_filter off), removed at exit
#   itest_start_td TAG NS ARGS start transitd (in namespace NS, or "" for ours) with a
#                              log in $tmp/log-TAG; its PID is killed at exit
#   itest_wait_sock PATH...    wait up to 5 s for control sockets
#   itest_bg CMD...            start a helper process (tcpdump ...) killed at exit
#   fail MSG                   print MSG and every daemon log, exit 1

itest_init() {
	build=${1:?build dir}
	src=${2:?source dir}
	td=$build/transitd
	ctl=$build/transitctl
	tmp=$(mktemp -d)
	itest_nss=""
	itest_pids=""
	itest_tags=""
	trap itest_cleanup EXIT
}

itest_require() {
	local tool
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces, /dev/net/tun)"
		exit 77
	fi
	for tool in ip "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP: needs $tool (scripts/deps.sh test installs it)"
			exit 77
		fi
	done
	if [ ! -c /dev/net/tun ]; then
		echo "SKIP: no /dev/net/tun"
		exit 77
	fi
	for tool in "$td" "$ctl"; do
		[ -x "$tool" ] || { echo "FAIL: $tool not built"; exit 1; }
	done
}

itest_cleanup() {
	local pid ns
	for pid in $itest_pids; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in $itest_nss; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}

fail() {
	local tag
	echo "FAIL: $*"
	for tag in $itest_tags; do
		echo "--- transitd $tag log:"
		cat "$tmp/log-$tag" 2>/dev/null
	done
	exit 1
}

itest_ns() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || fail "ip netns add $ns"
		itest_nss="$itest_nss $ns"
		ip -n "$ns" link set lo up
		# The hub's ICMP errors come from an attachment address that is on no
		# interface of the VPC namespace: strict reverse-path filtering would drop
		# them (docs/daemon.md).
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		    net.ipv4.conf.default.rp_filter=0
	done
}

# itest_start_td TAG NS ARGS...: sets td_pid
itest_start_td() {
	local tag=$1 ns=$2
	shift 2
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$td" -f "$@" >"$tmp/log-$tag" 2>&1 &
	else
		"$td" -f "$@" >"$tmp/log-$tag" 2>&1 &
	fi
	td_pid=$!
	itest_pids="$itest_pids $td_pid"
	itest_tags="$itest_tags $tag"
}

itest_wait_sock() {
	local s ok
	for _ in $(seq 50); do
		ok=1
		for s in "$@"; do
			[ -S "$s" ] || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	fail "no control socket among: $*"
}

# itest_bg CMD...: sets bg_pid
itest_bg() {
	"$@" &
	bg_pid=$!
	itest_pids="$itest_pids $bg_pid"
}

# itest_forget PID: a daemon the test stopped itself.
itest_forget() {
	local p rest=""
	for p in $itest_pids; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	itest_pids=$rest
}

# itest_two_sites: two gateway namespaces ($ga, $gb) joined by an underlay veth
# ($ua 192.0.2.1 <-> $ub 192.0.2.2), each with a VPC namespace behind it ($va with host
# 10.1.0.10, $vb with 10.2.0.10): the topology of the two-site tunnel tests.
itest_two_sites() {
	local p=td-$$
	ga=$p-ga; gb=$p-gb; va=$p-va; vb=$p-vb
	ua=$p-u0; ub=$p-u1
	itest_ns "$ga" "$gb" "$va" "$vb"
	ip link add "$ua" netns "$ga" type veth peer name "$ub" netns "$gb" || fail "veth"
	ip -n "$ga" addr add 192.0.2.1/24 dev "$ua"
	ip -n "$gb" addr add 192.0.2.2/24 dev "$ub"
	ip -n "$ga" link set "$ua" up
	ip -n "$gb" link set "$ub" up
	ip -n "$va" addr add 10.1.0.10/32 dev lo
	ip -n "$vb" addr add 10.2.0.10/32 dev lo
}

# itest_capture_start FILE: tcpdump on the underlay ($ua in $ga) until capture_stop.
itest_capture_start() {
	itest_bg ip netns exec "$ga" tcpdump -i "$ua" -nn -U --immediate-mode -w "$1" \
	    >/dev/null 2>"$1.err"
	itest_dump=$bg_pid
	# It says "listening on" once the capture is armed.
	for _ in $(seq 50); do
		grep -q "listening on" "$1.err" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.2
}

itest_capture_stop() {
	sleep 0.3
	kill "$itest_dump" 2>/dev/null
	wait "$itest_dump" 2>/dev/null
	itest_forget "$itest_dump"
}
