#!/usr/bin/env bash
# bench/tunnel.sh: side-by-side site-to-site tunnel benchmark. transitd,
# strongSwan (kernel-libipsec: userspace ESP-in-UDP), OpenVPN 2.6 (userspace, no DCO)
# and plain kernel forwarding (the ceiling) run in the same topology, one after the
# other, in the same run:
#
#   hostA 10.1.0.2 -- 10.1.0.1 [gwA] 198.18.0.1 == underlay veth == 198.18.0.2 [gwB] 10.2.0.1 -- 10.2.0.2 hostB
#
# The topology is rebuilt for every stack and repetition; repetitions are
# interleaved (round 1: every stack, round 2: every stack, ...) so that drift of the
# shared VM hits all stacks alike. Per stack: iperf3 TCP 1 and 8 streams (receiver
# Mbit/s, retransmits), 64-byte UDP packet rate at <= 0.1 % loss (bounded search),
# ping -i 0.01 p50/p99. Medians over REPS; ratios transitd / best of the baselines.
# Method: docs/performance.md of the design notes; usage: bench/README.md.
#
# Root only. Needs iproute2, iperf3, jq, ping, python3, strongswan (charon, swanctl,
# kernel-libipsec), openvpn, openssl: `scripts/deps.sh all`. transitd comes from
# build/transitd (TRANSITD=...); without it its row says why it is missing.
# Exit status: 0 when the run completed (rows that could not run say so), 1 on a
# setup error, 130 on Ctrl-C.

# ---------------------------------------------------------------- knobs
SECS=${SECS:-10}                 # iperf3 TCP duration, single stream
SECS8=${SECS8:-$(( (SECS + 1) / 2 ))}  # iperf3 TCP duration, 8 streams (-P 8)
REPS=${REPS:-3}                  # repetitions; the median is reported
STACKS=${STACKS:-"transitd strongswan openvpn plain"}
SWAN_ESP=${SWAN_ESP:-"aes128gcm16 aes256gcm16"}  # one strongSwan row per ESP proposal
SWAN_IKE=${SWAN_IKE:-aes128gcm16-prfsha256-modp2048}
OVPN_CIPHER=${OVPN_CIPHER:-AES-256-GCM}
PKT_LEN=${PKT_LEN:-64}           # UDP payload bytes of the packet-rate test
PPS_TOOL=${PPS_TOOL:-auto}       # blast (build/bench/bench_tunnel, sendmmsg) | iperf3 | auto
PPS_FLOWS=${PPS_FLOWS:-8}        # source ports (flows) of the blast tool
PPS_STEPS=${PPS_STEPS:-5}        # steps of the packet-rate search (step 1: unlimited)
PPS_SECS=${PPS_SECS:-2}          # seconds per step
LOSS_MAX=${LOSS_MAX:-0.1}        # % loss a step may have and still pass
PING_COUNT=${PING_COUNT:-500}
PING_INTERVAL=${PING_INTERVAL:-0.01}
PSK=${PSK:-bench.only.tunnel.psk}
TD_TUN_NS=${TD_TUN_NS:-host}     # transitd's TUN in hostA/hostB (host) and/or gwA/gwB (gw): one row each
KEEP_RUN=${KEEP_RUN:-0}          # 1: keep the run directory (configs, logs, raw JSON)
# TRANSITD=path/to/transitd   TD_REV=its git revision (for the JSON)   TD_NET=path/to/network.yaml
# OUT=path/to/result.json
# BLAST=path/to/bench_tunnel (default build/bench/bench_tunnel)

set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TDIR=$REPO/bench/tunnel
NS_PREFIX=tb-$$
RUN=$(mktemp -d "${TMPDIR:-/tmp}/tunnel-bench.XXXXXX")
RAW=$RUN/raw.tsv
ROWS=$RUN/rows.tsv
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$REPO/bench/results/tunnel-$STAMP.json}

# shellcheck source=bench/tunnel/lib.sh
. "$TDIR/lib.sh"
# shellcheck source=bench/tunnel/stacks.sh
. "$TDIR/stacks.sh"

CLEANED=0
cleanup() {
	[ $CLEANED = 1 ] && return
	CLEANED=1
	topo_down
	if [ "$KEEP_RUN" = 1 ]; then log "run directory kept: $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
for b in ip iperf3 jq ping python3 nstat ss openssl; do
	command -v "$b" >/dev/null || die "missing '$b' (scripts/deps.sh all)"
done
case $REPS in ''|*[!0-9]*|0) die "REPS must be a positive integer" ;; esac
BLAST=${BLAST:-$REPO/build/bench/bench_tunnel}
for v in $TD_TUN_NS; do
	case $v in host|gw) ;; *) die "TD_TUN_NS takes host and/or gw, not '$v'" ;; esac
done
case $PPS_TOOL in
auto)   if [ -x "$BLAST" ]; then PPS_TOOL=blast; else PPS_TOOL=iperf3; fi ;;
blast)  [ -x "$BLAST" ] || die "$BLAST not built (cmake --build build)" ;;
iperf3) ;;
*)      die "PPS_TOOL must be blast, iperf3 or auto" ;;
esac
: >"$PIDFILE_LIST"
: >"$RAW"
: >"$ROWS"

# Rows: "stack<TAB>variant". strongSwan gives one row per ESP proposal.
rows=()
for s in $STACKS; do
	case $s in
	strongswan) for e in $SWAN_ESP; do rows+=("strongswan	$e"); done ;;
	openvpn)    rows+=("openvpn	$OVPN_CIPHER") ;;
	transitd)   for v in $TD_TUN_NS; do rows+=("transitd	$v"); done ;;
	plain)      rows+=("plain	none") ;;
	*) die "unknown stack '$s' (transitd strongswan openvpn plain)" ;;
	esac
done

log "tunnel benchmark: ${#rows[@]} rows x $REPS reps; TCP ${SECS}s x1 and ${SECS8}s x8, 64B UDP ($PPS_TOOL) $PPS_STEPS x ${PPS_SECS}s, ping $PING_COUNT x ${PING_INTERVAL}s"
log "namespaces $NS_PREFIX-{hostA,gwA,gwB,hostB}; run directory $RUN"
T_START=$(date +%s)
for rep in $(seq 1 "$REPS"); do
	for r in "${rows[@]}"; do
		stack=${r%%	*}
		variant=${r#*	}
		row=$stack/$variant
		log "== round $rep/$REPS: $row"
		STACK_REASON='' STACK_CIPHER='' STACK_SETUP_MS=''
		topo_up
		if reachable; then die "hostB reachable before any tunnel is up: the test would be meaningless"; fi
		case $stack in
		plain)      stack_up_plain ;;
		strongswan) stack_up_strongswan "$variant" ;;
		openvpn)    stack_up_openvpn ;;
		transitd)   stack_up_transitd "$variant" ;;
		esac
		ok=$?
		if [ $ok = 0 ]; then
			log "  up: cipher ${STACK_CIPHER:-?}, setup ${STACK_SETUP_MS:--} ms"
			iperf_server_up
			rb0=$(udp_rcvbuf_errors "$NS_GB")
			measure_all "$row" "$rep"
			rb1=$(udp_rcvbuf_errors "$NS_GB")
			printf '%s\t%s\tgwB_udp_rcvbuf_errors\t%s\n' "$row" "$rep" "$((rb1 - rb0))" >>"$RAW"
			[ -n "$STACK_SETUP_MS" ] && printf '%s\t%s\tsetup_ms\t%s\n' "$row" "$rep" "$STACK_SETUP_MS" >>"$RAW"
			printf '%s\t%s\t%s\t%s\tok\t%s\n' "$row" "$stack" "$variant" "$rep" "$STACK_CIPHER" >>"$ROWS"
		else
			printf '%s\t%s\t%s\t%s\tna\t%s\n' "$row" "$stack" "$variant" "$rep" "$STACK_REASON" >>"$ROWS"
			# save the daemon logs that explain the failure before topo_down
			mkdir -p "$RUN/failed-$rep"
			cp -r "$RUN"/transitd "$RUN"/swan-* "$RUN"/ovpn-gw* "$RUN/failed-$rep/" 2>/dev/null || true
		fi
		topo_down
	done
done
ELAPSED=$(($(date +%s) - T_START))

mkdir -p "$(dirname "$OUT")"
CMDLINE="SECS=$SECS SECS8=$SECS8 REPS=$REPS STACKS=\"$STACKS\" SWAN_ESP=\"$SWAN_ESP\" TD_TUN_NS=\"$TD_TUN_NS\" PPS_TOOL=$PPS_TOOL PPS_STEPS=$PPS_STEPS PPS_SECS=$PPS_SECS PING_COUNT=$PING_COUNT TRANSITD=$TRANSITD bench/tunnel.sh"
python3 "$TDIR/report.py" --raw "$RAW" --rows "$ROWS" --json "$OUT" \
	--meta date="$(date -u +%FT%TZ)" elapsed_s="$ELAPSED" command="$CMDLINE" \
	kernel="$(uname -r)" cpus="$(nproc)" secs="$SECS" secs8="$SECS8" reps="$REPS" \
	pkt_len="$PKT_LEN" pps_tool="$PPS_TOOL" pps_flows="$PPS_FLOWS" pps_steps="$PPS_STEPS" pps_secs="$PPS_SECS" loss_max_pct="$LOSS_MAX" \
	ping_count="$PING_COUNT" ping_interval_s="$PING_INTERVAL" td_tun_ns="$TD_TUN_NS" \
	swan_ike="$SWAN_IKE" \
	strongswan="$(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null)" \
	openvpn="$(openvpn --version 2>/dev/null | head -1 | awk '{print $2}')" \
	iperf3="$(iperf3 --version 2>/dev/null | head -1 | awk '{print $2}')" \
	transitd_bin="$TRANSITD" transitd_rev="${TD_REV:-$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)}" ||
	{ KEEP_RUN=1; die "report failed (raw data in $RUN)"; }
log "JSON: $OUT (run took ${ELAPSED}s)"
