#!/usr/bin/env bash
# bench/ike.sh: IKE_SA + Child SA establishments per second (performance.md
# section 6, target >= 3,000/s with X25519), side by side in one run:
#
#   transit initiator (bench_ike) -> transit responder (bench_ike), X25519, MODP-2048
#   transit initiator (bench_ike) -> strongSwan charon responder,   X25519, MODP-2048
#
# Two network namespaces joined by a veth:
#
#   [ib-<pid>-i] 198.18.1.1 .. 198.18.1.N  ==veth==  198.18.0.1 [ib-<pid>-r]
#
# The initiator keeps INFLIGHT establishments in flight, one per source address
# (the responder tells peers apart by address, as transitd does). Initiator on
# CPU 0, responder (bench_ike, or charon with all its threads) on CPU 1 (taskset).
# Each repetition starts a fresh responder, warms up WARMUP s, then measures SECS s;
# the CPU seconds of both processes are taken over that window. Repetitions are
# interleaved (round 1 runs every row, then round 2 ...); the table shows medians.
# See bench/README.md ("ike") for what each column means.
#
# Knobs (environment): SECS=10 WARMUP=2 REPS=3 INFLIGHT=64 DHS="x25519 modp2048"
# RESPONDERS="transit charon" TEARDOWN=delete|drop BENCH=build/bench/bench_ike
# CHARON_THREADS=16 CHARON_LOG=0 TX_BATCH=4 NICE=0 (e.g. -10: all benchmark
# processes ahead of other jobs on a shared machine) OUT=bench/results/ike-<UTC stamp>.json (every
# sample, the medians, versions; gitignored) KEEP_RUN=1 (keep logs under $RUN).
#
# Safety: only the two namespaces named ib-<pid>-*; processes are stopped by the
# PIDs this script recorded; an EXIT trap cleans up after failures and Ctrl-C.
set -euo pipefail

SECS=${SECS:-10}
WARMUP=${WARMUP:-2}
REPS=${REPS:-3}
INFLIGHT=${INFLIGHT:-64}
DHS=${DHS:-"x25519 modp2048"}
RESPONDERS=${RESPONDERS:-"transit charon"}
TEARDOWN=${TEARDOWN:-delete}
CHARON_THREADS=${CHARON_THREADS:-16}
CHARON_LOG=${CHARON_LOG:-0}
TX_BATCH=${TX_BATCH:-4}
NICE=${NICE:-0}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$SRC/build/bench/bench_ike}
CHARON=/usr/lib/ipsec/charon
PSK=bench-only-psk-0123456789abcdef
NSI=ib-$$-i
NSR=ib-$$-r
RESP_IP=198.18.0.1
INIT_BASE=198.18.1.1
RUN=$(mktemp -d /tmp/ike-bench.XXXXXX)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$SRC/bench/results/ike-$STAMP.json}
PIDS=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

pid_stop() { # pid: TERM, up to 3 s, then KILL
	local p=$1 i
	kill -0 "$p" 2>/dev/null || return 0
	kill -TERM "$p" 2>/dev/null || true
	for i in $(seq 30); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
}

cleanup() {
	local rc=$? p
	for p in "${PIDS[@]}"; do
		pid_stop "$p"
	done
	ip netns del "$NSI" 2>/dev/null || true
	ip netns del "$NSR" 2>/dev/null || true
	if [ "${KEEP_RUN:-0}" = 1 ] || [ $rc -ne 0 ]; then
		log "logs kept in $RUN"
	else
		rm -rf "$RUN"
	fi
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$BENCH" ] || die "$BENCH missing: cmake --build build"
command -v taskset >/dev/null || die "taskset missing (util-linux)"
if [[ " $RESPONDERS " == *" charon "* ]]; then
	[ -x "$CHARON" ] && command -v swanctl >/dev/null ||
	    die "charon/swanctl missing (strongswan-charon, strongswan-swanctl); or RESPONDERS=transit"
fi
ncpu=$(nproc)
CPU_I=0
CPU_R=$(( ncpu > 1 ? 1 : 0 ))

# ------------------------------------------------------------ topology
log "namespaces $NSI / $NSR, $INFLIGHT initiator addresses"
ip netns add "$NSI"
ip netns add "$NSR"
ip link add ib$$i netns "$NSI" type veth peer name ib$$r netns "$NSR"
ip -n "$NSR" addr add $RESP_IP/16 dev ib$$r
# charon's kernel-libipsec routes each Child SA's policy, which needs one of our
# addresses inside the local selector.
ip -n "$NSR" addr add 10.2.0.1/32 dev lo
{
	for i in $(seq 0 $((INFLIGHT - 1))); do
		echo "addr add 198.18.$((1 + i / 250)).$((1 + i % 250))/16 dev ib$$i"
	done
} | ip -n "$NSI" -batch -
for ns in "$NSI" "$NSR"; do
	ip -n "$ns" link set lo up
done
ip -n "$NSI" link set ib$$i up
ip -n "$NSR" link set ib$$r up
ip netns exec "$NSI" ping -c 1 -W 2 $RESP_IP >/dev/null || die "veth does not carry traffic"
[ "$INFLIGHT" -le 250 ] || die "INFLIGHT <= 250 (one /24 of initiator addresses)"

# ------------------------------------------------------------ responders
RPID=
resp_transit() { # dh logfile
	ip netns exec "$NSR" nice -n "$NICE" taskset -c $CPU_R "$BENCH" --role responder \
	    --local $RESP_IP --remote $INIT_BASE --peers "$INFLIGHT" --dh "$1" \
	    --psk $PSK --tx-batch "$TX_BATCH" >"$2" 2>&1 &
	RPID=$!
	PIDS+=("$RPID")
	sleep 0.3
	kill -0 "$RPID" 2>/dev/null || die "bench_ike responder died: $(cat "$2")"
}

charon_conf() {
	local d=$RUN/charon
	mkdir -p "$d/run" "$d/swanctl/conf.d"
	cat >"$d/strongswan.conf" <<EOF
charon {
    load_modular = no
    load = random nonce openssl aes sha1 sha2 hmac gcm kdf curve25519 gmp kernel-libipsec kernel-netlink socket-default vici
    threads = $CHARON_THREADS
    routing_table = 220
    routing_table_prio = 220
    install_virtual_ip = no
    # The bench is not a flood: no cookies, no half-open or per-address limits.
    cookie_threshold = 1000000
    block_threshold = 1000000
    init_limit_half_open = 0
    init_limit_job_load = 0
    ikesa_table_size = 4096
    ikesa_table_segments = 16
    filelog {
        charonlog {
            path = $d/charon.log
            time_format = %H:%M:%S
            default = $CHARON_LOG
        }
    }
    syslog {
        daemon {
            default = -1
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
    bench {
        version = 2
        local_addrs = $RESP_IP
        remote_addrs = 198.18.0.0/16
        proposals = aes256gcm16-prfsha256-x25519, aes256gcm16-prfsha256-modp2048, aes256gcm16-prfsha256-ecp256
        unique = never
        dpd_delay = 0
        local {
            auth = psk
            id = $RESP_IP
        }
        remote {
            auth = psk
        }
        children {
            net {
                local_ts = 10.2.0.0/16
                remote_ts = 10.1.0.0/16
                esp_proposals = aes256gcm16
                start_action = none
            }
        }
    }
}
secrets {
    ike-bench {
        secret = "$PSK"
    }
}
EOF
}

resp_charon() { # dh logfile
	local d=$RUN/charon i
	rm -f "$d/charon.vici"
	ip netns exec "$NSR" env STRONGSWAN_CONF="$d/strongswan.conf" \
	    sh -c "mount --bind '$d/run' /run && exec nice -n $NICE taskset -c $CPU_R '$CHARON'" \
	    >"$2" 2>&1 &
	RPID=$!
	PIDS+=("$RPID")
	for i in $(seq 50); do
		[ -S "$d/charon.vici" ] && break
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$d/charon.vici" ] || die "charon did not start: $(cat "$2" "$d/charon.log" 2>&1)"
	ip netns exec "$NSR" swanctl --load-all --file "$d/swanctl/swanctl.conf" \
	    --uri "unix://$d/charon.vici" >>"$2" 2>&1 || die "swanctl --load-all: $(cat "$2")"
}

# ------------------------------------------------------------ one measurement
# Appends "resp dh rep RESULT-fields" to $RUN/results.
measure() { # responder dh rep
	local r=$1 dh=$2 rep=$3 rl=$RUN/resp-$1-$2-$3.log il=$RUN/init-$1-$2-$3.log
	local line p
	"resp_$r" "$dh" "$rl"
	log "round $rep: transit -> $r, $dh: warm-up ${WARMUP}s, measuring ${SECS}s"
	ip netns exec "$NSI" nice -n "$NICE" taskset -c $CPU_I "$BENCH" --role initiator \
	    --local $INIT_BASE --remote $RESP_IP --peers "$INFLIGHT" --dh "$dh" \
	    --psk $PSK --warmup "$WARMUP" --duration "$SECS" --teardown "$TEARDOWN" \
	    --peer-pid "$RPID" --tx-batch "$TX_BATCH" >"$il" 2>&1 &
	p=$!
	PIDS+=("$p")
	wait "$p" || die "initiator failed: $(tail -5 "$il")"
	kill -0 "$RPID" 2>/dev/null || die "the $r responder exited during the run: $(tail -5 "$rl")"
	pid_stop "$RPID"
	line=$(grep '^RESULT' "$il") || die "no RESULT: $(tail -5 "$il")"
	log "  ${line#RESULT }"
	echo "$r $dh $rep ${line#RESULT }" >>"$RUN/results"
}

[[ " $RESPONDERS " == *" charon "* ]] && charon_conf
started=$(date +%s)
log "$REPS rounds x ($RESPONDERS) x ($DHS), ${WARMUP}+${SECS} s each, $INFLIGHT in flight, teardown $TEARDOWN"
for rep in $(seq "$REPS"); do
	for r in $RESPONDERS; do
		for dh in $DHS; do
			measure "$r" "$dh" "$rep"
		done
	done
done

# ------------------------------------------------------------ table
mkdir -p "$(dirname "$OUT")"
python3 - "$RUN/results" "$OUT" "$STAMP" "$SECS" "$WARMUP" "$REPS" "$INFLIGHT" "$TEARDOWN" \
    "$("$CHARON" --version 2>/dev/null | head -1 || true)" "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'EOF'
import json, os, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    kv = dict(x.split("=", 1) for x in f[3:])
    rows.setdefault((f[0], f[1]), []).append(kv)
def med(l, k):
    v = [float(x[k]) for x in l if float(x[k]) >= 0]
    return statistics.median(v) if v else float("nan")
cols = "responder  dh         est/s   p50ms   p99ms  failed  cpuI_s  cpuR_s  R_ms/est  R_est/cpu_s  x_charon"
print(cols)
meds = {}
for (r, dh), l in rows.items():
    m = {k: med(l, k) for k in ("rate", "p50_ms", "p99_ms", "failed", "cpu_init_s", "cpu_resp_s", "established")}
    meds[(r, dh)] = m
for (r, dh), m in meds.items():
    per = m["cpu_resp_s"] * 1000 / m["established"] if m["established"] else float("nan")
    base = meds.get(("charon", dh))
    x = "%.2f" % (m["rate"] / base["rate"]) if base and base["rate"] else "-"
    print("%-10s %-9s %7.0f %7.2f %7.2f %7.0f %7.2f %7.2f %9.3f %12.0f %9s" % (
        r, dh, m["rate"], m["p50_ms"], m["p99_ms"], m["failed"],
        m["cpu_init_s"], m["cpu_resp_s"], per, 1000 / per if per > 0 else float("nan"), x))
print("samples est/s: " + "; ".join("%s/%s %s" % (r, dh, " ".join(x["rate"] for x in l))
      for (r, dh), l in rows.items()))
a = sys.argv
json.dump({"stamp": a[3], "secs": float(a[4]), "warmup": float(a[5]), "reps": int(a[6]),
           "inflight": int(a[7]), "teardown": a[8], "charon": a[9], "transit_rev": a[10],
           "loadavg": open("/proc/loadavg").read().split()[:3],
           "rows": [{"responder": r, "dh": dh, "median": meds[(r, dh)], "samples": l}
                    for (r, dh), l in rows.items()]},
          open(a[2], "w"), indent=1)
print("json: " + a[2])
EOF
log "done in $(( $(date +%s) - started )) s; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
