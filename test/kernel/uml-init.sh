#!/bin/busybox sh
# PID 1 of the kernel lab's user-mode Linux guest.
#
# The guest boots with the host's root (hostfs, read-only). This script puts a
# tmpfs-backed overlay on top so the guest can write anywhere without touching
# the host, mounts the UML kernel's modules, the project directory and the job
# directory read-write from the host, loads ip_vs, runs the job and powers off.
# The job's exit code goes to "$ANYCASTD_LAB_JOB/rc"; a missing file means the
# guest never got that far, which the launcher reports as a lab failure.
#
# Boot parameters arrive as environment variables (the kernel hands unknown
# key=value parameters to init): ANYCASTD_LAB_JOB, ANYCASTD_LAB_PROJECT,
# ANYCASTD_LAB_INIT (busybox, the default, or systemd).

bb=/bin/busybox
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

fail() {
  echo "uml-init: $*" >&2
  $bb poweroff -f
}

stage1() {
  $bb mount -t proc proc /proc || fail "cannot mount /proc"
  $bb mount -t sysfs sysfs /sys || fail "cannot mount /sys"
  $bb mount -t tmpfs -o mode=0755 tmpfs /tmp || fail "cannot mount a tmpfs on /tmp"
  kver=$($bb uname -r)
  moddir=/usr/lib/uml/modules/$kver
  [ -d "$moddir" ] || fail "no UML modules at $moddir (apt-get install -y user-mode-linux)"
  if ! $bb grep -qw overlay /proc/filesystems; then
    $bb insmod "$moddir/kernel/fs/overlayfs/overlay.ko" || fail "cannot load overlay.ko"
  fi
  $bb mkdir -p /tmp/ovl/upper /tmp/ovl/work /tmp/ovl/root
  $bb mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/ovl/upper,workdir=/tmp/ovl/work /tmp/ovl/root ||
    fail "cannot mount the overlay root"
  $bb mkdir -p /tmp/ovl/root/.oldroot
  cd /tmp/ovl/root || fail "cannot enter the overlay root"
  $bb pivot_root . .oldroot || fail "pivot_root failed"
  exec $bb chroot . /bin/busybox sh "$0" stage2 </dev/console >/dev/console 2>&1
}

stage2() {
  $bb mount -t proc proc /proc
  $bb mount -t sysfs sysfs /sys
  if ! $bb mount -t devtmpfs devtmpfs /dev 2>/dev/null; then
    $bb mount -t tmpfs -o mode=0755 tmpfs /dev
    $bb mknod -m 666 /dev/null c 1 3
    $bb mknod -m 666 /dev/zero c 1 5
    $bb mknod -m 666 /dev/full c 1 7
    $bb mknod -m 444 /dev/random c 1 8
    $bb mknod -m 444 /dev/urandom c 1 9
    $bb mknod -m 666 /dev/tty c 5 0
    $bb mknod -m 600 /dev/console c 5 1
    $bb mknod -m 666 /dev/ptmx c 5 2
  fi
  $bb mkdir -p /dev/pts /dev/shm
  $bb mount -t devpts devpts /dev/pts
  $bb mount -t tmpfs tmpfs /dev/shm
  $bb mount -t tmpfs -o mode=1777 tmpfs /tmp
  $bb mount -t tmpfs -o mode=0755 tmpfs /run
  $bb mkdir -p /run/netns /run/lock
  $bb umount -l /.oldroot 2>/dev/null

  kver=$($bb uname -r)
  $bb mkdir -p /lib/modules/"$kver"
  $bb mount -t hostfs -o /usr/lib/uml/modules/"$kver" hostfs /lib/modules/"$kver" ||
    fail "cannot mount the UML modules"

  # The project and the job directory are shared with the host read-write:
  # test reports and the exit code must reach it.
  for dir in "$ANYCASTD_LAB_PROJECT" "$ANYCASTD_LAB_JOB"; do
    [ -n "$dir" ] || continue
    $bb mkdir -p "$dir"
    $bb mount -t hostfs -o "$dir" hostfs "$dir" || fail "cannot mount $dir from the host"
  done
  [ -f "$ANYCASTD_LAB_JOB/job.sh" ] || fail "no job at $ANYCASTD_LAB_JOB/job.sh"

  $bb hostname anycastd-lab
  /usr/sbin/ip link set lo up
  if ! /usr/sbin/modprobe ip_vs; then
    echo "uml-init: modprobe ip_vs failed" >&2
    echo 4 >"$ANYCASTD_LAB_JOB/rc"
    $bb sync
    $bb poweroff -f
  fi

  # With ANYCASTD_LAB_INIT=systemd the job runs as a service of systemd, which
  # becomes PID 1 here: for tests of the package's units.
  if [ "$ANYCASTD_LAB_INIT" = systemd ]; then
    $bb mkdir -p /etc/systemd/system /etc/systemd/system.conf.d
    # Units starting and stopping are the tests' business, not the console's.
    printf '[Manager]\nShowStatus=no\n' >/etc/systemd/system.conf.d/anycastd-lab.conf
    $bb cat >/etc/systemd/system/anycastd-lab-job.service <<UNIT
[Unit]
Description=kernel lab job
# After sysinit and basic.target, as any service of a booted machine: their units
# (systemd-tmpfiles empties /tmp) must not run under the job's feet.
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
ExecStart=/bin/sh -c '/bin/bash $ANYCASTD_LAB_JOB/job.sh; echo \$? >$ANYCASTD_LAB_JOB/rc; sync'
ExecStopPost=/bin/systemctl --no-block poweroff --force --force
UNIT
    $bb cat >/etc/systemd/system/anycastd-lab.target <<UNIT
[Unit]
Description=kernel lab
Wants=anycastd-lab-job.service
UNIT
    $bb stty -F /dev/console -onlcr 2>/dev/null
    echo "anycastd-lab: ready"
    exec /lib/systemd/systemd --unit=anycastd-lab.target --show-status=false --log-target=kmsg
  fi

  # Everything the console printed before this line is boot chatter that the
  # launcher keeps out of the job's output.
  $bb stty -F /dev/console -onlcr 2>/dev/null
  echo "anycastd-lab: ready"
  # bash, not busybox sh: Debian's static busybox runs its own applets in
  # preference to the real tools on PATH.
  /bin/bash "$ANYCASTD_LAB_JOB/job.sh"
  echo $? >"$ANYCASTD_LAB_JOB/rc"
  $bb sync
  $bb poweroff -f
}

case "$1" in
  stage2) stage2 ;;
  *) stage1 ;;
esac
