#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs INSIDE the guest (make demo): ext4, xfs and btrfs on brd RAM disks, fio O_DIRECT on each
# in turn under pinaudit (examples/dio-per-fs.fio), the text report with the census. Exits with
# pinaudit's status.
set -eu
cd "$(dirname "$0")/../.."
modprobe brd rd_nr=3 rd_size=409600	# xfs wants > 300 MB
i=0
for fs in ext4 xfs btrfs; do
	mkdir -p /tmp/$fs
	case $fs in ext4) mkfs.ext4 -q /dev/ram$i ;; *) mkfs.$fs -q -f /dev/ram$i >/dev/null ;; esac
	mount -t $fs /dev/ram$i /tmp/$fs
	i=$((i + 1))
done
echo "# EXT4=/tmp/ext4 XFS=/tmp/xfs BTRFS=/tmp/btrfs pinaudit --census -- fio examples/dio-per-fs.fio"
echo "# (brd RAM disks, kernel $(uname -r))"
set +e
EXT4=/tmp/ext4 XFS=/tmp/xfs BTRFS=/tmp/btrfs ./pinaudit --census -- \
	fio --output=/dev/null examples/dio-per-fs.fio
rc=$?
echo "# pinaudit exit status: $rc"
exit $rc
