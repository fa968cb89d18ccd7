#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make bench: hvfs against its references, side by side in one run, printed
# as one table.  Never part of make check: the numbers drift on shared
# machines, so read them as ratios and medians, and compare runs by rows.
#
# Mounts (all of the test driver):
#   m0    test:///default?shutdown_delay_ms=0   the demo set: files, control, replace, notify
#   m1k   ...&domains=1000                      metrics with 1,000 domains, RSS
#   m10k  test:///WORK/state10k?domains=10000   listing 10,000 domains, RSS, persisted mount time
#   ms10, ms10k  ...?domains=10 / 10000, --cache-timeout=0: uncached stat
#   mq    qemu:///system                        one TCG guest (bench/qemu.sh)
# References: a tmpfs laid out in the same shape (domains/NAME/state ...),
# procfs and sysfs files of similar size, virsh (a process per operation)
# and lxcfs (/proc/meminfo through its own mount), when they can run here.
#
# Output format (stable; one row per operation and subject):
#   operation subject median_us p99_us samples ratio target met
# ratio is the subject's median over the tmpfs median of the same operation
# in the same run; target and met are filled in on hvfs rows.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
OPS=$B/bench/ops_latency
N=${N:-20000}	     # iterations of the cheap operations
NOTIFY_N=${NOTIFY_N:-1000}
WORK=$(mktemp -d /tmp/hvfs-bench.XXXXXX)
PIDS=()
MOUNTS=()

cleanup() {
	for m in "${MOUNTS[@]}"; do
		fusermount3 -u "$m" 2>/dev/null || umount "$m" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

die() {
	echo "bench: $*" >&2
	exit 1
}

# Installs a reference that is missing (lxcfs; virsh comes with test-deps).
ensure_pkg() {
	command -v "$1" >/dev/null && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1
	command -v "$1" >/dev/null
}

wait_mounted() {
	for _ in $(seq 1200); do
		[ -d "$1/domains" ] && return 0
		sleep 0.05
	done
	return 1
}

# hvfs in the foreground (so that $! is the daemon, for its RSS).
start_hvfs() {
	local uri=$1 mnt=$2
	shift 2
	mkdir -p "$mnt"
	"$B/hvfs" -f --log-level=warning "$@" -c "$uri" "$mnt" 2>>"$WORK/hvfs.log" &
	PIDS+=($!)
	MOUNTS+=("$mnt")
	LAST_PID=$!
	wait_mounted "$mnt" || die "hvfs did not mount $uri (see its log: $(tail -3 "$WORK/hvfs.log"))"
}

# Bounded: a daemon that does not go within 10 s is ended (by its pid; it
# is ours) rather than hanging the run.
stop_hvfs() {
	for _ in $(seq 20); do
		fusermount3 -u "$1" 2>/dev/null && break
		sleep 0.5
	done
	for _ in $(seq 100); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$2" 2>/dev/null; then
		echo "bench: hvfs on $1 did not exit after unmount; ending it" >&2
		kill "$2"
	fi
	wait "$2" 2>/dev/null
}

rss_kib() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# Every domain's directory and state file looked up and read once: the
# memory a monitoring agent that walks the tree makes the daemon hold.
warm() {
	printf '%s\n' "$1"/domains/*/state | xargs cat >/dev/null
}

ROW_FMT='%-30s %-28s %11s %11s %8s %8s  %-16s %s\n'
header() {
	# shellcheck disable=SC2059
	printf "$ROW_FMT" operation subject median_us p99_us samples ratio target met
}

# row OPERATION SUBJECT "median p99 samples" REF_MEDIAN [TARGET_KIND TARGET_VALUE]
#   TARGET_KIND: ratio (median/ref <= value), median_us (median <= value)
row() {
	local op=$1 subject=$2 m=$3 ref=$4 kind=${5:-} value=${6:-}
	set -- $m
	local median=${1:-n/a} p99=${2:-n/a} samples=${3:-0}
	local ratio=- target= met=
	if [ "$median" != n/a ] && [ -n "$ref" ] && [ "$ref" != n/a ]; then
		ratio=$(awk -v a="$median" -v b="$ref" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	fi
	case $kind in
	ratio)
		target="<= ${value}x tmpfs"
		met=$(awk -v r="$ratio" -v t="$value" 'BEGIN { print (((r != "-") && (r + 0 <= t)) ? "yes" : "no") }')
		;;
	median_us)
		target="median <= ${value}"
		met=$(awk -v a="$median" -v t="$value" 'BEGIN { print (((a != "n/a") && (a + 0 <= t)) ? "yes" : "no") }')
		;;
	esac
	# shellcheck disable=SC2059
	printf "$ROW_FMT" "$op" "$subject" "$median" "$p99" "$samples" "$ratio" "$target" "$met"
}

na_row() {
	# shellcheck disable=SC2059
	printf "$ROW_FMT" "$1" "$2" n/a n/a 0 - "" "($3)"
}

# Splits ops_latency's output (one "median p99 samples" line per subject).
line() { sed -n "${2}p" <<<"$1"; }
median_of() { line "$1" "$2" | awk '{print $1}'; }

[ -x "$OPS" ] || die "$OPS is missing: run make bench"

# --- the subjects -----------------------------------------------------------
M0=$WORK/m0 M1=$WORK/m1k M10=$WORK/m10k T=$WORK/tmpfs LX=$WORK/lxcfs
start_hvfs 'test:///default?shutdown_delay_ms=0' "$M0"
PID0=$LAST_PID
mkdir -p "$T"
mount -t tmpfs -o size=256m hvfs-bench "$T" || die "cannot mount a tmpfs on $T"
MOUNTS+=("$T")
# The same shape as the mount: domains/NAME/{state,control,config.xml}.
mkdir -p "$T/domains/test" "$T/domains/idle" "$T/list"
cp "$M0/domains/test/state" "$T/domains/test/state"
: >"$T/domains/test/control"
cp "$M0/domains/idle/config.xml" "$T/domains/idle/config.xml"
(cd "$T/list" && seq -f 'dom-%05g' 1 10000 | xargs mkdir)

LXCFS=
if ensure_pkg lxcfs lxcfs; then
	mkdir -p "$LX"
	lxcfs -f "$LX" >"$WORK/lxcfs.log" 2>&1 &
	PIDS+=($!)
	MOUNTS+=("$LX")
	for _ in $(seq 100); do
		[ -r "$LX/proc/meminfo" ] && break
		sleep 0.05
	done
	if [ -r "$LX/proc/meminfo" ]; then
		LXCFS=$LX/proc/meminfo
	else
		LXCFS_WHY="lxcfs did not mount here: $(tail -1 "$WORK/lxcfs.log")"
	fi
else
	LXCFS_WHY="lxcfs is not installed and could not be"
fi
VIRSH=
if command -v virsh >/dev/null && virsh -c test:///default domstate test >/dev/null 2>&1; then
	VIRSH=virsh
fi

echo "hvfs benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
header

# --- cat of a state file (open+read+close) ----------------------------------
PROC=/proc/sys/kernel/ostype SYS=/sys/class/net/lo/operstate
subjects=("$M0/domains/test/state" "$T/domains/test/state" "$PROC" "$SYS")
[ -n "$LXCFS" ] && subjects+=("$LXCFS")
out=$("$OPS" read "$N" "${subjects[@]}") || die "read failed"
ref=$(median_of "$out" 2)
row "cat state" "hvfs domains/test/state" "$(line "$out" 1)" "$ref" ratio 1.5
row "cat state" "tmpfs" "$(line "$out" 2)" "$ref"
row "cat state" "procfs $PROC" "$(line "$out" 3)" "$ref"
row "cat state" "sysfs $SYS" "$(line "$out" 4)" "$ref"
if [ -n "$LXCFS" ]; then
	row "cat state" "lxcfs /proc/meminfo" "$(line "$out" 5)" "$ref"
else
	na_row "cat state" "lxcfs /proc/meminfo" "$LXCFS_WHY"
fi
if [ -n "$VIRSH" ]; then
	row "cat state" "virsh domstate (a process)" \
		"$("$OPS" exec 30 -- virsh -c test:///default domstate test)" "$ref"
else
	na_row "cat state" "virsh domstate (a process)" "virsh -c test:///default does not run here"
fi

# --- stat ---------------------------------------------------------------------
out=$("$OPS" stat "$N" "$M0/domains/test/state" "$T/domains/test/state" "$PROC" "$SYS") || die "stat failed"
ref=$(median_of "$out" 2)
row "stat state" "hvfs domains/test/state" "$(line "$out" 1)" "$ref" ratio 1.2
row "stat state" "tmpfs" "$(line "$out" 2)" "$ref"
row "stat state" "procfs $PROC" "$(line "$out" 3)" "$ref"
row "stat state" "sysfs $SYS" "$(line "$out" 4)" "$ref"

# --- control write (suspend/resume alternately) ------------------------------
out=$("$OPS" control 2000 "$M0/domains/test/control" "$T/domains/test/control") || die "control failed"
ref=$(median_of "$out" 2)
row "control write" "hvfs domains/test/control" "$(line "$out" 1)" "$ref" median_us 100
row "control write" "tmpfs" "$(line "$out" 2)" "$ref"

# --- config.xml replace (write a temporary file, rename it over) ------------
out=$("$OPS" replace 300 "$M0/domains/idle/config.xml" "$T/domains/idle/config.xml") || die "replace failed"
ref=$(median_of "$out" 2)
row "config.xml replace" "hvfs domains/idle/config.xml" "$(line "$out" 1)" "$ref"
row "config.xml replace" "tmpfs" "$(line "$out" 2)" "$ref"

# --- change notification -----------------------------------------------------
"$B/bench/notify_latency" "$M0" idle "$NOTIFY_N" >"$WORK/notify.out" || die "notify_latency failed"
while read -r name median p99 samples; do
	case $name in
	change_to_inotify_us) what="driver change -> inotify" ;;
	*) what="driver change -> events" ;;
	esac
	row "$what" "hvfs" "$median $p99 $samples" "" median_us 1000
done <"$WORK/notify.out"
RSS0=$(rss_kib "$PID0")
warm "$M0"
RSS0_WARM=$(rss_kib "$PID0")
stop_hvfs "$M0" "$PID0"

# --- metrics with 1,000 domains ----------------------------------------------
start_hvfs 'test:///default?shutdown_delay_ms=0&domains=1000' "$M1"
PID1=$LAST_PID
cp "$M1/metrics" "$T/metrics"
out=$("$OPS" read 100 "$M1/metrics" "$T/metrics") || die "metrics failed"
ref=$(median_of "$out" 2)
row "metrics, 1,000 domains" "hvfs metrics ($(stat -c %s "$T/metrics") B)" "$(line "$out" 1)" "$ref" median_us 10000
row "metrics, 1,000 domains" "tmpfs copy" "$(line "$out" 2)" "$ref"
RSS1=$(rss_kib "$PID1")
warm "$M1"
RSS1_WARM=$(rss_kib "$PID1")
stop_hvfs "$M1" "$PID1"

# --- stat with nothing cached: 10 against 10,000 domains -----------------------
# --cache-timeout=0 makes every stat look the name up and fetch the
# attributes afresh: the daemon's own cost per stat, which must not grow with
# the number of domains (docs/design.md, lookups by name).
MS10=$WORK/ms10 MS10K=$WORK/ms10k
start_hvfs 'test:///default?domains=10&shutdown_delay_ms=0' "$MS10" --cache-timeout=0
PIDS10=$LAST_PID
start_hvfs 'test:///default?domains=10000&shutdown_delay_ms=0' "$MS10K" --cache-timeout=0
PIDS10K=$LAST_PID
out=$("$OPS" stat "$N" "$MS10/domains/dom-00001/state" "$MS10K/domains/dom-00001/state") ||
	die "uncached stat failed"
ref=$(median_of "$out" 1)
row "stat, uncached" "hvfs, 10 domains" "$(line "$out" 1)" ""
row "stat, uncached" "hvfs, 10,000 domains" "$(line "$out" 2)" ""
ratio10k=$(awk -v a="$(median_of "$out" 2)" -v b="$ref" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
met=$(awk -v r="$ratio10k" 'BEGIN { print ((r <= 1.5) ? "yes" : "no") }')
# shellcheck disable=SC2059
printf "$ROW_FMT" "stat, uncached" "10,000 over 10 domains" - - - "$ratio10k" "<= 1.5x" "$met"
stop_hvfs "$MS10" "$PIDS10"
stop_hvfs "$MS10K" "$PIDS10K"

# --- listing 10,000 domains (a persisted host) -------------------------------
mkdir -p "$WORK/state10k"
start_hvfs "test://$WORK/state10k?domains=10000&shutdown_delay_ms=0" "$M10"
PID10=$LAST_PID
out=$("$OPS" list 200 "$M10/domains" "$T/list") || die "list failed"
ref=$(median_of "$out" 2)
row "list 10,000 domains" "hvfs domains/ (getdents)" "$(line "$out" 1)" "$ref" ratio 1.5
row "list 10,000 domains" "tmpfs, 10,000 directories" "$(line "$out" 2)" "$ref"
if [ -n "$VIRSH" ]; then
	row "list 10,000 domains" "virsh list --all (demo set)" \
		"$("$OPS" exec 30 -- virsh -c test:///default list --all)" "$ref"
fi
# --- a reader while another process changes the persisted host ---------------
# Each replace of dom-00002's config.xml is persisted (temporary file, fsync,
# rename) under the test driver's one lock; a cat of dom-00001/state opens
# through the driver too.  This row shows what a reader pays for that.
"$OPS" replace 1000000 "$M10/domains/dom-00002/config.xml" >/dev/null 2>&1 &
WRITER=$!
sleep 0.2
out=$("$OPS" read 5000 "$M10/domains/dom-00001/state" "$T/domains/test/state") || die "read during writes failed"
kill "$WRITER" 2>/dev/null
wait "$WRITER" 2>/dev/null
ref=$(median_of "$out" 2)
row "cat state, writes meanwhile" "hvfs, persisted host" "$(line "$out" 1)" "$ref"
row "cat state, writes meanwhile" "tmpfs" "$(line "$out" 2)" "$ref"
RSS10=$(rss_kib "$PID10")
warm "$M10"
RSS10_WARM=$(rss_kib "$PID10")
stop_hvfs "$M10" "$PID10"

# --- mounting the persisted host of 10,000 domains ---------------------------
out=$("$OPS" mount 5 "$M10" "$WORK/state10k" -- \
	"$B/hvfs" --log-level=warning -c "test://$WORK/state10k" "$M10") || die "mount timing failed"
row "mount persisted 10,000" "hvfs (exec to domains/)" "$out" "" median_us 1000000

# --- the QEMU driver: one TCG guest, against virsh -c qemu:///system --------
. bench/qemu.sh
bench_qemu

# --- memory ---------------------------------------------------------------------
echo
printf '%-44s %12s %12s  %-18s %s\n' "daemon memory (VmRSS)" "after mount" "walked" target met
printf '%-44s %9s KiB %9s KiB\n' "demo set (0 extra domains)" "$RSS0" "$RSS0_WARM"
printf '%-44s %9s KiB %9s KiB\n' "1,000 domains" "$RSS1" "$RSS1_WARM"
printf '%-44s %9s KiB %9s KiB\n' "10,000 domains" "$RSS10" "$RSS10_WARM"
per=$(awk -v a="$RSS10" -v b="$RSS0" 'BEGIN { printf "%.2f", (a - b) / 10000 }')
per_warm=$(awk -v a="$RSS10_WARM" -v b="$RSS0_WARM" 'BEGIN { printf "%.2f", (a - b) / 10000 }')
met=$(awk -v a="$per_warm" 'BEGIN { print ((a <= 10) ? "yes" : "no") }')
printf '%-44s %12s %12s  %-18s %s\n' "KiB per domain at 10,000 (over the demo set)" "$per" "$per_warm" "<= 10 KiB" "$met"
echo
echo "walked: after every domains/NAME/state was looked up and read once."
echo "The machine is shared: compare ratios and medians, re-run before concluding."
