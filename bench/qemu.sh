# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by bench/run.sh: the QEMU driver against libvirt's, on the same
# kind of guest (the tests' TCG guest, tests/qemu/mk-guest.sh): `cat state`
# and a control write (suspend/resume alternately, each a QMP stop or cont)
# through hvfs, `virsh domstate` and `virsh suspend`/`resume` through
# libvirtd.  libvirt-daemon-system is installed for this only (make check
# never needs it); a libvirtd this script starts, it stops.

# qemu_guest_xml NAME: the guest, as the tests define it.
qemu_guest_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$QG/vmlinuz</kernel>
    <initrd>$QG/initrd.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <devices><interface type='user'><model type='virtio'/></interface></devices>
</domain>
XML
}

# Starts libvirtd (and virtlogd) when nothing answers on qemu:///system;
# sets STARTED_LIBVIRTD to what it started.
libvirtd_up() {
	STARTED_LIBVIRTD=
	timeout 20 virsh -c qemu:///system uri >/dev/null 2>&1 && return 0
	ensure_pkg libvirtd libvirt-daemon-system || return 1
	pgrep -x virtlogd >/dev/null || virtlogd -d
	libvirtd -d || return 1
	STARTED_LIBVIRTD=yes
	for _ in $(seq 100); do
		timeout 20 virsh -c qemu:///system uri >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

libvirtd_down() {
	[ -n "$STARTED_LIBVIRTD" ] || return 0
	kill "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null
	pkill -x virtlogd 2>/dev/null
}

bench_qemu() {
	local mq=$WORK/mq qs out ref pair
	QG=${HVFS_QEMU_GUEST:-/var/cache/hvfs-qemu-guest}
	if ! command -v qemu-system-x86_64 >/dev/null || ! tests/qemu/mk-guest.sh "$QG" >"$WORK/guest.log" 2>&1; then
		na_row "cat state, qemu guest" "hvfs qemu:///system" "no QEMU or no test guest here"
		return 0
	fi
	# Short: the QMP sockets live in it.
	qs=$(mktemp -d /tmp/hvq-bench.XXXXXX)
	start_hvfs "qemu:///system?state_dir=$qs" "$mq"
	local pid=$LAST_PID
	mkdir "$mq/domains/bq"
	qemu_guest_xml bq >"$mq/domains/bq/config.xml"
	echo start >"$mq/domains/bq/control" || die "the qemu guest did not start"
	out=$("$OPS" read 5000 "$mq/domains/bq/state" "$T/domains/test/state") || die "qemu read failed"
	ref=$(median_of "$out" 2)
	row "cat state, qemu guest" "hvfs qemu:///system" "$(line "$out" 1)" "$ref"
	row "cat state, qemu guest" "tmpfs" "$(line "$out" 2)" "$ref"
	out=$("$OPS" control 500 "$mq/domains/bq/control" "$T/domains/test/control") || die "qemu control failed"
	ref=$(median_of "$out" 2)
	row "control write, qemu guest" "hvfs (QMP stop/cont)" "$(line "$out" 1)" "$ref"
	row "control write, qemu guest" "tmpfs" "$(line "$out" 2)" "$ref"
	echo destroy >"$mq/domains/bq/control"
	stop_hvfs "$mq" "$pid"
	rm -rf "$qs"

	if ! libvirtd_up; then
		na_row "cat state, qemu guest" "virsh -c qemu:///system" "libvirtd with QEMU does not run here"
		return 0
	fi
	qemu_guest_xml hvfs-bench >"$WORK/virsh.xml"
	if virsh -c qemu:///system define "$WORK/virsh.xml" >/dev/null &&
		virsh -c qemu:///system start hvfs-bench >/dev/null; then
		row "cat state, qemu guest" "virsh domstate (a process)" \
			"$("$OPS" exec 30 -- virsh -c qemu:///system domstate hvfs-bench)" ""
		# One sample is a suspend and a resume, two processes: halved.
		pair=$("$OPS" exec 30 -- sh -c 'virsh -c qemu:///system suspend hvfs-bench &&
			virsh -c qemu:///system resume hvfs-bench')
		row "control write, qemu guest" "virsh suspend|resume (a process)" \
			"$(awk '{ printf "%.1f %.1f %d", $1 / 2, $2 / 2, $3 * 2 }' <<<"$pair")" ""
		virsh -c qemu:///system destroy hvfs-bench >/dev/null 2>&1
	else
		na_row "cat state, qemu guest" "virsh -c qemu:///system" "libvirt could not start the guest"
	fi
	virsh -c qemu:///system undefine hvfs-bench >/dev/null 2>&1
	libvirtd_down
}
