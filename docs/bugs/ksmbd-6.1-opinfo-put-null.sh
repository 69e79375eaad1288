#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reproducer: ksmbd of Debian's 6.1.192 (linux-image-6.1.0-57) oopses in smb2_open() at the
# first open of an SMB 3.0 mount of its own share (docs/bugs/ksmbd-6.1-opinfo-put-null.md).
# Needs ksmbd-tools 3.5.2 or later (3.4.x's share configuration is refused before any open:
# BAD_NETWORK_NAME) and cifs-utils; run as root on a disposable machine or VM: the kernel
# oopses and the mount hangs.
#   docs/bugs/ksmbd-6.1-opinfo-put-null.sh [KSMBD_TOOLS_SBIN]
set -eu
[ $# -gt 0 ] && PATH=$1:$PATH
d=$(mktemp -d)
mkdir "$d/share" "$d/mnt"
printf '[global]\n\tbind interfaces only = no\n[pa]\n\tpath = %s\n\tread only = no\n\tforce user = root\n' \
	"$d/share" >"$d/ksmbd.conf"
ksmbd.adduser -P "$d/pwd.db" -C "$d/ksmbd.conf" -p pa -a pa
modprobe ksmbd
ksmbd.mountd -C "$d/ksmbd.conf" -P "$d/pwd.db"
modprobe cifs
sleep 1
# on 6.1.192 the mount fails (Host is down) and the kernel log shows the oops
mount -t cifs //127.0.0.1/pa "$d/mnt" -o username=pa,password=pa,vers=3.0 || true
dmesg | grep -A 30 'BUG: kernel NULL pointer dereference' || echo "no oops"
