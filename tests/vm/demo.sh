#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs INSIDE the guest (make demo): ext4 on a brd RAM disk, fio O_DIRECT under pinaudit, the
# text report. Exits with pinaudit's status.
set -eu
cd "$(dirname "$0")/../.."
modprobe brd rd_nr=1 rd_size=262144
mkfs.ext4 -q /dev/ram0
mkdir -p /tmp/demo
mount -t ext4 /dev/ram0 /tmp/demo
echo "# pinaudit -- fio examples/dio-psync.fio   (ext4 on /dev/ram0, kernel $(uname -r))"
set +e
DIR=/tmp/demo ./pinaudit -- fio --output=/dev/null examples/dio-psync.fio
rc=$?
echo "# pinaudit exit status: $rc"
exit $rc
