# shellcheck shell=bash
# bench/tunnel/lib.sh: topology, process bookkeeping and the measurements of
# bench/tunnel.sh. Sourced, never executed. Method: docs/performance.md of the
# design notes ("same namespaces, same cipher, >= 3 repetitions, medians").
#
# Everything here touches only the namespaces named $NS_PREFIX-* (unique per run)
# and files under $RUN. Processes are signalled by PID only: PIDs we recorded when we
# started them, or PIDs that `ip netns pids` lists for one of our own namespaces.

log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { log "FAIL: $*"; exit 1; }
nsx()  { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# The four namespaces of one run; names carry the script's PID so that two runs (or
# the shared reference lab) never collide.
NS_HA=$NS_PREFIX-hostA
NS_GA=$NS_PREFIX-gwA
NS_GB=$NS_PREFIX-gwB
NS_HB=$NS_PREFIX-hostB
ALL_NS="$NS_HA $NS_GA $NS_GB $NS_HB"

# ------------------------------------------------------------ process bookkeeping
# Every background process we start is recorded here, so cleanup can stop exactly
# those PIDs (and nothing else) even after Ctrl-C.
PIDFILE_LIST=$RUN/pids

BG_PID=
bg_start() { # logfile cmd... ; runs cmd in the background, records its PID in BG_PID
	local logf=$1; shift
	"$@" >"$logf" 2>&1 &
	BG_PID=$!
	echo "$BG_PID" >>"$PIDFILE_LIST"
}

# Runs a command to completion like a foreground one, but as a recorded background
# job that the shell waits for: iperf3 and ping catch SIGINT and exit normally, and
# bash does not run its own INT trap after a foreground child that caught SIGINT;
# `wait` is interrupted by a trapped signal at once, and cleanup stops the PID.
fg_run() { # cmd... ; returns cmd's status
	"$@" &
	local p=$!
	echo "$p" >>"$PIDFILE_LIST"
	wait "$p"
}

pid_stop() { # pid: TERM, wait up to 3 s, then KILL
	local p=$1 i
	kill -0 "$p" 2>/dev/null || return 0
	kill -TERM "$p" 2>/dev/null || true
	for i in $(seq 1 30); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
}

# A recorded PID is only signalled while it still lives in one of our namespaces
# (every command we start runs under `ip netns exec`): a PID that exited long ago
# and was reused by someone else's process is left alone.
pid_ours() {
	local ns
	ns=$(ip netns identify "$1" 2>/dev/null) || return 1
	[ -n "$ns" ] && [[ " $ALL_NS " == *" $ns "* ]]
}

stop_recorded() {
	local p
	[ -f "$PIDFILE_LIST" ] || return 0
	while read -r p; do
		[ -n "$p" ] && pid_ours "$p" && pid_stop "$p"
	done <"$PIDFILE_LIST"
	: >"$PIDFILE_LIST"
}

ns_exists() { [ -e "/run/netns/$1" ]; }

topo_down() {
	local ns p
	stop_recorded
	for ns in $ALL_NS; do
		ns_exists "$ns" || continue
		# only our own namespaces: whatever still lives in them was started by us
		for p in $(ip netns pids "$ns" 2>/dev/null); do pid_stop "$p"; done
		ip netns del "$ns" 2>/dev/null || true
	done
}

veth_pair() { # ns1 if1 addr1 ns2 if2 addr2 (created directly inside the namespaces)
	ip link add name "$2" netns "$1" type veth peer name "$5" netns "$4"
	nsx "$1" ip addr add "$3" dev "$2"
	nsx "$4" ip addr add "$6" dev "$5"
	nsx "$1" ip link set "$2" up
	nsx "$4" ip link set "$5" up
}

#   hostA 10.1.0.2 -- 10.1.0.1 [gwA] 198.18.0.1 == underlay == 198.18.0.2 [gwB] 10.2.0.1 -- 10.2.0.2 hostB
topo_up() {
	local ns
	topo_down
	for ns in $ALL_NS; do
		ip netns add "$ns"
		nsx "$ns" ip link set lo up
	done
	veth_pair "$NS_GA" underlay 198.18.0.1/30 "$NS_GB" underlay 198.18.0.2/30
	veth_pair "$NS_HA" eth0 10.1.0.2/24 "$NS_GA" lanA 10.1.0.1/24
	veth_pair "$NS_HB" eth0 10.2.0.2/24 "$NS_GB" lanB 10.2.0.1/24
	nsx "$NS_HA" ip route add default via 10.1.0.1
	nsx "$NS_HB" ip route add default via 10.2.0.1
	nsx "$NS_GA" sysctl -qw net.ipv4.ip_forward=1
	nsx "$NS_GB" sysctl -qw net.ipv4.ip_forward=1
}

reachable() { nsx "$NS_HA" ping -c 1 -W 1 10.2.0.2 >/dev/null 2>&1; }

wait_reachable() { # seconds (a bound on wall time, whatever ping's timeouts do)
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		nsx "$NS_HA" ping -c 1 -W 0.5 10.2.0.2 >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

udp_in() { # ns -> UdpInDatagrams (absolute)
	nsx "$1" nstat -az UdpInDatagrams 2>/dev/null | awk '$1=="UdpInDatagrams"{print $2}'
}

udp_rcvbuf_errors() {
	nsx "$1" nstat -az UdpRcvbufErrors 2>/dev/null | awk '$1=="UdpRcvbufErrors"{print $2}'
}

# Proof that the path under test is the tunnel: 5 pings hostA -> hostB must make
# gwB receive at least 5 more UDP datagrams (ESP-in-UDP or OpenVPN). Plain forwarding
# would not touch gwB's UDP counters.
check_tunnelled() {
	local u0 u1
	u0=$(udp_in "$NS_GB")
	nsx "$NS_HA" ping -c 5 -i 0.05 -W 1 10.2.0.2 >/dev/null 2>&1 || return 1
	u1=$(udp_in "$NS_GB")
	[ $((u1 - u0)) -ge 5 ] || { log "gwB UdpInDatagrams +$((u1 - u0)) during 5 pings: not tunnelled"; return 1; }
}

# ------------------------------------------------------------ measurements
# iperf3 server in hostB for the whole life of one stack's topology.
IPERF_SPID=
iperf_server_up() {
	local i
	bg_start "$RUN/iperf-server.log" ip netns exec "$NS_HB" iperf3 -s -B 10.2.0.2 --idle-timeout 300
	IPERF_SPID=$BG_PID
	for i in $(seq 1 50); do
		nsx "$NS_HB" ss -ltn 2>/dev/null | grep -q '10.2.0.2:5201 ' && return 0
		sleep 0.1
	done
	die "iperf3 server did not start"
}

iperf_client() { # outfile args... ; JSON to outfile, rc of iperf3
	fg_run ip netns exec "$NS_HA" iperf3 -c 10.2.0.2 --connect-timeout 3000 -J "$@" >"$1.tmp" 2>&1
	local rc=$?
	mv "$1.tmp" "$1"
	return $rc
}

# The measurements run in the main shell and return their figures in M_A, M_B, M_C
# (not through a pipe or process substitution: an asynchronous subshell would
# ignore Ctrl-C and keep measuring while the script wants to clean up).

# TCP: M_A = receiver Mbit/s, M_B = retransmits (sender side), M_C = bytes received
measure_tcp() { # tag streams seconds
	local out=$RUN/iperf-$1.json r
	M_A=nan M_B=nan M_C=0
	if ! iperf_client "$out" -t "$3" -P "$2"; then
		log "iperf3 TCP -P $2 failed: $(head -c 300 "$out")"
		return 0
	fi
	r=$(jq -r '[(.end.sum_received.bits_per_second/1e6|.*10|round/10), (.end.sum_sent.retransmits // 0),
		(.end.sum_received.bytes // 0)] | @tsv' "$out" 2>/dev/null) &&
		read -r M_A M_B M_C <<<"$r"
	[ -n "$M_C" ] || M_A=nan M_B=nan M_C=0
}

# One UDP step at a given packet rate (0 = unlimited): U_SENT, U_RCV (pps) and
# U_LOSS (%), counted at the receiver. PPS_TOOL=blast uses
# bench_tunnel (sendmmsg from PPS_FLOWS source ports, recvmmsg at hostB), iperf3 uses
# iperf3 -u -l PKT_LEN (one flow, one datagram per syscall).
udp_step() { # tag pps
	if [ "$PPS_TOOL" = blast ]; then udp_step_blast "$@"; else udp_step_iperf "$@"; fi
}

udp_step_iperf() { # tag pps
	local out=$RUN/iperf-$1.json bw r
	U_SENT=0 U_RCV=0 U_LOSS=100
	bw=$(($2 * PKT_LEN * 8))
	if ! iperf_client "$out" -u -l "$PKT_LEN" -b "$bw" -t "$PPS_SECS"; then
		log "iperf3 UDP step at $2 pps failed: $(head -c 300 "$out")"
		return 0
	fi
	r=$(jq -r --argjson t "$PPS_SECS" '.end.sum as $s
		| [($s.packets/$t|round), ((($s.packets - $s.lost_packets)/$t)|round), ($s.lost_percent*1000|round/1000)] | @tsv' "$out" 2>/dev/null) &&
		read -r U_SENT U_RCV U_LOSS <<<"$r"
	[ -n "$U_LOSS" ] || U_SENT=0 U_RCV=0 U_LOSS=100
}

udp_step_blast() { # tag pps
	local sinkf=$RUN/blast-$1.recv sent rcv i
	U_SENT=0 U_RCV=0 U_LOSS=100
	bg_start "$sinkf" ip netns exec "$NS_HB" "$BLAST" recv 10.2.0.2 5300 $((PPS_SECS + 5))
	for i in $(seq 1 50); do
		grep -q ready "$sinkf" 2>/dev/null && break
		sleep 0.05
	done
	fg_run ip netns exec "$NS_HA" "$BLAST" send 10.2.0.2 5300 "$2" "$PPS_SECS" "$PKT_LEN" "$PPS_FLOWS" \
		>"$RUN/blast-$1.sent" 2>"$RUN/blast-$1.err"
	sent=$(awk '$1=="sent"{print $2}' "$RUN/blast-$1.sent")
	wait "$BG_PID" 2>/dev/null
	rcv=$(awk '$1=="received"{print $2}' "$sinkf")
	if [ -z "$sent" ] || [ "$sent" = 0 ] || [ -z "$rcv" ]; then
		log "bench_tunnel step at $2 pps failed: $(head -c 300 "$RUN/blast-$1.err")"
		return 0
	fi
	read -r U_SENT U_RCV U_LOSS <<<"$(awk -v s="$sent" -v r="$rcv" -v t="$PPS_SECS" 'BEGIN {
		l = (s > r) ? (s - r) * 100 / s : 0
		printf "%d %d %.3f\n", s / t, r / t, l }')"
}

# Highest received packet rate with <= LOSS_MAX % loss, in PPS_STEPS steps of
# PPS_SECS s: step 1 offers as much as the sender can; if that already passes, it is
# the answer (the sender, not the path, is the limit: the plain row shows where).
# Otherwise what it delivered is the upper bound hi and the remaining steps bisect
# [0, hi] (hi/2, then +-hi/4, +-hi/8 ...). M_A = kpps.
measure_pps() { # tag
	local tag=$1 lo=0 hi best=0 r step sent rcv loss
	udp_step "$tag-s1" 0
	sent=$U_SENT rcv=$U_RCV loss=$U_LOSS
	log "    64B step 1: unlimited: sent $sent pps, received $rcv pps, loss $loss %"
	if awk -v l="$loss" -v m="$LOSS_MAX" 'BEGIN{exit !(l <= m)}'; then
		M_A=$(awk -v r="$rcv" 'BEGIN{printf "%.1f", r/1000}'); return 0
	fi
	hi=$rcv
	for step in $(seq 2 "$PPS_STEPS"); do
		r=$(((lo + hi) / 2))
		[ "$r" -lt 1000 ] && r=1000
		udp_step "$tag-s$step" "$r"
		sent=$U_SENT rcv=$U_RCV loss=$U_LOSS
		if awk -v l="$loss" -v m="$LOSS_MAX" 'BEGIN{exit !(l <= m)}'; then
			lo=$r
			[ "$rcv" -gt "$best" ] && best=$rcv
			log "    64B step $step: offered $r pps: received $rcv pps, loss $loss % (pass)"
		else
			hi=$r
			log "    64B step $step: offered $r pps: received $rcv pps, loss $loss % (fail)"
		fi
	done
	M_A=$(awk -v r="$best" 'BEGIN{printf "%.1f", r/1000}')
}

# ping -i 0.01 -c N: M_A = p50 ms, M_B = p99 ms, M_C = lost, from the per-packet RTTs
measure_ping() { # tag
	local out=$RUN/ping-$1.txt
	fg_run ip netns exec "$NS_HA" ping -i "$PING_INTERVAL" -c "$PING_COUNT" -W 1 10.2.0.2 >"$out" 2>&1
	read -r M_A M_B M_C <<<"$(grep -o 'time=[0-9.]*' "$out" | cut -d= -f2 | sort -g | awk -v n="$PING_COUNT" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan", n; exit }
			i50 = int(0.50 * NR + 0.999999); if (i50 < 1) i50 = 1
			i99 = int(0.99 * NR + 0.999999); if (i99 > NR) i99 = NR
			printf "%.3f %.3f %d\n", v[i50], v[i99], n - NR
		}')"
}

# CPU time (user + system, clock ticks) of every process in the two gateway
# namespaces: the tunnel daemons (charon, openvpn, transitd). Softirq work the kernel
# does on their behalf is only counted when it runs in their context, so this is a
# lower bound; plain forwarding has no process and reads 0.
gw_cpu_ticks() {
	local p t=0 v
	for p in $(ip netns pids "$NS_GA" 2>/dev/null) $(ip netns pids "$NS_GB" 2>/dev/null); do
		# fields after the ")" that ends comm: utime and stime are the 12th and 13th
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# All metrics of one repetition of one stack; appends TSV rows to $RAW:
#   row  rep  metric  value
measure_all() { # row rep
	local row=$1 rep=$2 tag=$1-r$2 a b c
	tag=${tag//\//_}
	c=$(gw_cpu_ticks)
	measure_tcp "$tag-tcp1" 1 "$SECS"; a=$M_A b=$M_B
	c=$(awk -v t0="$c" -v t1="$(gw_cpu_ticks)" -v hz="$(getconf CLK_TCK)" -v by="$M_C" \
		'BEGIN { if (by > 0 && t1 > t0) printf "%.2f", (t1 - t0) / hz / (by / 1073741824); else print "nan" }')
	printf '%s\t%s\ttcp1_mbps\t%s\n%s\t%s\ttcp1_retr\t%s\n%s\t%s\tcpu_s_per_gib\t%s\n' \
		"$row" "$rep" "$a" "$row" "$rep" "$b" "$row" "$rep" "$c" >>"$RAW"
	log "  $row rep $rep: TCP x1 $a Mbit/s ($b retr), gateway daemons $c CPU-s/GiB"
	measure_tcp "$tag-tcp8" 8 "$SECS8"; a=$M_A b=$M_B
	printf '%s\t%s\ttcp8_mbps\t%s\n%s\t%s\ttcp8_retr\t%s\n' "$row" "$rep" "$a" "$row" "$rep" "$b" >>"$RAW"
	log "  $row rep $rep: TCP x8 $a Mbit/s ($b retr)"
	measure_pps "$tag-udp"; a=$M_A
	printf '%s\t%s\tkpps64\t%s\n' "$row" "$rep" "$a" >>"$RAW"
	log "  $row rep $rep: 64B UDP $a kpps at <= $LOSS_MAX % loss"
	measure_ping "$tag"; a=$M_A b=$M_B c=$M_C
	printf '%s\t%s\tping_p50_ms\t%s\n%s\t%s\tping_p99_ms\t%s\n%s\t%s\tping_lost\t%s\n' \
		"$row" "$rep" "$a" "$row" "$rep" "$b" "$row" "$rep" "$c" >>"$RAW"
	log "  $row rep $rep: ping p50 $a ms, p99 $b ms, lost $c"
}
