// SPDX-License-Identifier: GPL-2.0
/*
 * ublksrv: a minimal ublk server (drivers/block/ublk_drv.c) for tests/vm/t_census.sh, so the
 * census sees ublk's copy of each request's data between the bio's pages and the server's
 * buffer (ublk_map_io()/ublk_unmap_io() -> ublk_copy_user_pages()).
 *
 *   ublksrv MIB      creates one ublk device of MIB MiB backed by anonymous memory in this
 *                    process, prints its block device (/dev/ublkbN) on stdout once started,
 *                    serves its I/O until SIGTERM, SIGINT or EOF on stdin, then stops and
 *                    deletes the device and exits 0. Exit 2 ("census: not in this kernel: ")
 *                    when /dev/ublk-control is missing (the caller runs modprobe ublk_drv
 *                    first), 1 on any other error ("ublksrv: what: strerror").
 *
 * The device: one queue of DEPTH tags, IO_BYTES (512 KiB) per request at most, 4 KiB logical
 * blocks, no discard, no write cache. The classic data path: each tag has a buffer of its own
 * (IO_BYTES of anonymous memory) whose address goes in every FETCH_REQ and
 * COMMIT_AND_FETCH_REQ; the driver copies a WRITE's data into it before completing the fetch
 * and a READ's data out of it after the commit, in the server's task: 6.12 with
 * iov_iter_get_pages2() (a FOLL_GET reference on each buffer page), 7.x with
 * copy_to_iter()/copy_from_iter() (uaccess, no page reference). No UBLK_F_USER_COPY, no zero
 * copy, no UBLK_F_NEED_GET_DATA.
 *
 * Kernel facts (include/uapi/linux/ublk_cmd.h, 6.1 to 7.x):
 *  - Control commands are IORING_OP_URING_CMD on /dev/ublk-control: ADD_DEV (dev_id -1:
 *    any free number, returned in the ublksrv_ctrl_dev_info), SET_PARAMS, START_DEV (data[0]:
 *    the server's pid), STOP_DEV, DEL_DEV. Their payload, struct ublksrv_ctrl_cmd, is 32
 *    bytes: it needs a ring set up with IORING_SETUP_SQE128 (the driver fails a 64-byte sqe
 *    with -EINVAL). queue_id is -1 for all of them.
 *  - I/O commands are IORING_OP_URING_CMD on /dev/ublkcN: FETCH_REQ once per tag, then
 *    COMMIT_AND_FETCH_REQ per request. Their payload, struct ublksrv_io_cmd, is 16 bytes and
 *    fits a normal 64-byte sqe. Each request's descriptor (op, sectors, buffer address) is in
 *    a read-only mapping of /dev/ublkcN, indexed by tag. The task that posted the fetches is
 *    the queue's daemon: only it may commit, and the driver hands it requests as task work,
 *    run when it enters io_uring_enter().
 *  - Opcodes: the ioctl-encoded UBLK_U_CMD_* / UBLK_U_IO_* (6.4+); the legacy bare numbers
 *    are refused unless CONFIG_BLKDEV_UBLK_LEGACY_OPCODES. Bookworm's 6.1 header lacks the
 *    encoded ones and UBLK_F_CMD_IOCTL_ENCODE: they are defined here as 7.x defines them.
 *  - START_DEV sleeps until every tag of every queue has a FETCH_REQ posted, then adds the
 *    disk, which reads the partition table through the server. So the queue runs in a
 *    thread of its own (queue_fn) and the control commands in main().
 *  - STOP_DEV deletes the disk (the queue thread still serving the I/O that takes), then
 *    completes each tag's pending fetch with UBLK_IO_RES_ABORT (-ENODEV) (6.12's
 *    ublk_cancel_dev()). The queue thread stops when all its tags are aborted or when
 *    main() tells it to (an eventfd, so as not to depend on the former), and closing its
 *    ring cancels whatever fetch is left (ublk_uring_cmd_cancel_fn()).
 *  - DEL_DEV waits until the device's last reference is gone, and an open /dev/ublkcN holds
 *    one, its mapping included: the queue thread unmaps it, main() closes it, then DEL_DEV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/ublk_cmd.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef UBLK_U_CMD_ADD_DEV
#define UBLK_U_CMD_ADD_DEV	_IOWR('u', UBLK_CMD_ADD_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_DEL_DEV	_IOWR('u', UBLK_CMD_DEL_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_DEV	_IOWR('u', UBLK_CMD_START_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_STOP_DEV	_IOWR('u', UBLK_CMD_STOP_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_PARAMS	_IOWR('u', UBLK_CMD_SET_PARAMS, struct ublksrv_ctrl_cmd)
#endif
#ifndef UBLK_U_IO_FETCH_REQ
#define UBLK_U_IO_FETCH_REQ	_IOWR('u', UBLK_IO_FETCH_REQ, struct ublksrv_io_cmd)
#define UBLK_U_IO_COMMIT_AND_FETCH_REQ \
	_IOWR('u', UBLK_IO_COMMIT_AND_FETCH_REQ, struct ublksrv_io_cmd)
#endif
#ifndef UBLK_F_CMD_IOCTL_ENCODE
#define UBLK_F_CMD_IOCTL_ENCODE	(1ULL << 6)
#endif

#define DEPTH		16
#define IO_BYTES	(512u << 10)
#define BS_SHIFT	12
#define IOD_BYTES	((DEPTH * sizeof(struct ublksrv_io_desc) + 4095) & ~4095ul)
#define STOP_TAG	0xffffffffull	/* user_data of the poll on stop_fd */

struct dev {
	int ctrl_fd;			/* /dev/ublk-control */
	struct io_uring ctrl;		/* SQE128 ring for the control commands */
	__u32 id;			/* N of /dev/ublkcN and /dev/ublkbN */
	int cdev_fd;			/* /dev/ublkcN */
	int stop_fd;			/* eventfd: main() tells the queue thread to stop */
	sem_t ready;			/* posted by the queue thread once its fetches are in */
	char *mem;			/* the device's contents */
	size_t size;
	/* the queue thread's */
	struct io_uring ring;
	int ring_ok;
	const struct ublksrv_io_desc *iod;	/* each tag's request, mapped read-only */
	char *buf[DEPTH];		/* each tag's data buffer */
	const char *what;		/* its error, if any */
	int err;
};

static int fail(const char *what, int err)
{
	fprintf(stderr, "ublksrv: %s: %s\n", what, strerror(err));
	return -err;
}

static void die(const char *what, int err)
{
	fail(what, err);
	exit(1);
}

/* One control command, waited for: the CQE's result (0 or -errno). */
static int ctrl_cmd(struct dev *d, __u32 op, __u32 dev_id, void *addr, __u16 len, __u64 data0)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ctrl);
	struct ublksrv_ctrl_cmd *cmd;
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	cmd = (struct ublksrv_ctrl_cmd *)sqe->cmd;
	memset(sqe, 0, 2 * sizeof(*sqe));	/* SQE128: the command spills into the next 64 */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = d->ctrl_fd;
	sqe->cmd_op = op;
	cmd->dev_id = dev_id;
	cmd->queue_id = (__u16)-1;
	cmd->addr = (__u64)(unsigned long)addr;
	cmd->len = len;
	cmd->data[0] = data0;
	ret = io_uring_submit(&d->ctrl);
	if (ret < 0)
		return ret;
	do
		ret = io_uring_wait_cqe(&d->ctrl, &cqe);
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&d->ctrl, cqe);
	return ret;
}

/* Queue a FETCH_REQ or COMMIT_AND_FETCH_REQ for @tag, submitted with the next batch. */
static int queue_io_cmd(struct dev *d, __u32 op, unsigned int tag, int result)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);	/* 2 * DEPTH sqes: one free */
	struct ublksrv_io_cmd *cmd;

	if (!sqe)
		return -EBUSY;
	cmd = (struct ublksrv_io_cmd *)sqe->cmd;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = d->cdev_fd;
	sqe->cmd_op = op;
	sqe->user_data = tag;
	cmd->q_id = 0;
	cmd->tag = tag;
	cmd->result = result;
	cmd->addr = (__u64)(unsigned long)d->buf[tag];
	return 0;
}

/* Serve request @tag: its result, bytes done or -errno. */
static int handle_io(struct dev *d, unsigned int tag)
{
	const struct ublksrv_io_desc *iod = &d->iod[tag];
	size_t off = (size_t)iod->start_sector << 9, len = (size_t)iod->nr_sectors << 9;

	switch (ublksrv_get_op(iod)) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		if (off > d->size || len > d->size - off || len > IO_BYTES)
			return -EIO;
		if (ublksrv_get_op(iod) == UBLK_IO_OP_READ)
			memcpy(d->buf[tag], d->mem + off, len);	/* the driver copies it out */
		else
			memcpy(d->mem + off, d->buf[tag], len);	/* the driver copied it in */
		return len;
	case UBLK_IO_OP_FLUSH:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int queue_setup(struct dev *d)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	void *p;
	int ret;

	ret = io_uring_queue_init(2 * DEPTH, &d->ring, 0);
	if (ret < 0)
		return d->what = "io_uring_queue_init", ret;
	d->ring_ok = 1;
	/* queue 0's descriptors: offset UBLKSRV_CMD_BUF_OFFSET, not writable */
	p = mmap(NULL, IOD_BYTES, PROT_READ, MAP_SHARED | MAP_POPULATE, d->cdev_fd,
		 UBLKSRV_CMD_BUF_OFFSET);
	if (p == MAP_FAILED)
		return d->what = "mmap /dev/ublkcN", -errno;
	d->iod = p;
	for (unsigned int tag = 0; tag < DEPTH; tag++) {
		p = mmap(NULL, IO_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return d->what = "mmap buffer", -errno;
		d->buf[tag] = p;
		if (queue_io_cmd(d, UBLK_U_IO_FETCH_REQ, tag, 0))
			return d->what = "io_uring_get_sqe", -EBUSY;
	}
	sqe = io_uring_get_sqe(&d->ring);
	if (!sqe)
		return d->what = "io_uring_get_sqe", -EBUSY;
	io_uring_prep_poll_add(sqe, d->stop_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, STOP_TAG);
	ret = io_uring_submit(&d->ring);
	if (ret < 0)
		return d->what = "io_uring_submit", ret;
	/* a fetch is issued inline: one that failed has its CQE already, one that did not has none */
	if (!io_uring_peek_cqe(&d->ring, &cqe))
		return d->what = "FETCH_REQ", cqe->res < 0 ? cqe->res : -EPROTO;
	return 0;
}

static void *queue_fn(void *arg)
{
	struct dev *d = arg;
	unsigned int live = DEPTH;	/* tags whose fetch the driver has not aborted */
	int stop = 0, ret;

	ret = d->err = queue_setup(d);
	sem_post(&d->ready);
	while (!ret && !stop && live) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;

		ret = io_uring_submit_and_wait(&d->ring, 1);
		if (ret < 0 && ret != -EINTR) {
			d->what = "io_uring_submit_and_wait";
			break;
		}
		ret = 0;
		io_uring_for_each_cqe(&d->ring, head, cqe) {
			unsigned int tag = cqe->user_data;

			n++;
			if (ret)
				continue;
			if (cqe->user_data == STOP_TAG) {
				stop = 1;
			} else if (cqe->res == UBLK_IO_RES_ABORT) {
				live--;
			} else if (cqe->res != UBLK_IO_RES_OK || tag >= DEPTH) {
				d->what = "COMMIT_AND_FETCH_REQ";
				ret = cqe->res < 0 ? cqe->res : -EPROTO;
			} else if (queue_io_cmd(d, UBLK_U_IO_COMMIT_AND_FETCH_REQ, tag,
						handle_io(d, tag))) {
				d->what = "io_uring_get_sqe";
				ret = -EBUSY;
			}
		}
		io_uring_cq_advance(&d->ring, n);
	}
	if (ret && !d->err) {
		d->err = ret;
		kill(getpid(), SIGTERM);	/* main() stops and deletes the device */
	}
	if (d->ring_ok)
		io_uring_queue_exit(&d->ring);	/* cancels the fetches left */
	if (d->iod)	/* the mapping holds /dev/ublkcN open, and DEL_DEV waits for it */
		munmap((void *)d->iod, IOD_BYTES);
	return NULL;
}

/* Wait up to 5 s for @path to show up (devtmpfs, or udev) as a device of type @fmt. */
static int wait_node(const char *path, mode_t fmt)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct stat st;

	for (int i = 0; i < 500; i++) {
		if (!stat(path, &st) && (st.st_mode & S_IFMT) == fmt)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ENOENT;
}

/* Wait for SIGTERM, SIGINT (blocked, read from @sfd) or EOF on stdin. */
static int wait_stop(int sfd)
{
	struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	char buf[256];

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll", errno);
		}
		if (p[0].revents)
			return 0;
		if (p[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				return 0;
		}
	}
}

/* The device added: set it up, start it, serve it until told to stop, stop it. */
static int run(struct dev *d, int sfd)
{
	struct ublk_params params = { 0 };
	char path[64];
	pthread_t thread;
	int ret, ret2;

	params.len = offsetof(struct ublk_params, discard);	/* basic only, any uapi */
	params.types = UBLK_PARAM_TYPE_BASIC;
	params.basic.logical_bs_shift = BS_SHIFT;
	params.basic.physical_bs_shift = BS_SHIFT;
	params.basic.io_min_shift = BS_SHIFT;
	params.basic.io_opt_shift = BS_SHIFT;
	params.basic.max_sectors = IO_BYTES >> 9;
	params.basic.dev_sectors = d->size >> 9;
	ret = ctrl_cmd(d, UBLK_U_CMD_SET_PARAMS, d->id, &params, params.len, 0);
	if (ret)
		return fail("SET_PARAMS", -ret);

	snprintf(path, sizeof(path), "/dev/ublkc%u", d->id);
	if (wait_node(path, S_IFCHR))
		return fail(path, ENOENT);
	d->cdev_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->cdev_fd < 0)
		return fail(path, errno);

	ret = pthread_create(&thread, NULL, queue_fn, d);
	if (ret)
		return fail("pthread_create", ret);
	sem_wait(&d->ready);
	if (d->err) {
		pthread_join(thread, NULL);
		return fail(d->what, -d->err);
	}

	ret = ctrl_cmd(d, UBLK_U_CMD_START_DEV, d->id, NULL, 0, getpid());
	if (ret) {
		ret = fail("START_DEV", -ret);
	} else {
		snprintf(path, sizeof(path), "/dev/ublkb%u", d->id);
		if (wait_node(path, S_IFBLK))
			ret = fail(path, ENOENT);
		else if (printf("%s\n", path) < 0 || fflush(stdout))
			ret = fail("stdout", errno);
		if (!ret)
			ret = wait_stop(sfd);
		ret2 = ctrl_cmd(d, UBLK_U_CMD_STOP_DEV, d->id, NULL, 0, 0);
		if (ret2 && !ret)
			ret = fail("STOP_DEV", -ret2);
	}

	if (eventfd_write(d->stop_fd, 1) && !ret)
		ret = fail("eventfd_write", errno);
	pthread_join(thread, NULL);
	if (d->err && !ret)
		ret = fail(d->what, -d->err);
	close(d->cdev_fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct ublksrv_ctrl_dev_info info = {
		.nr_hw_queues = 1,
		.queue_depth = DEPTH,
		.max_io_buf_bytes = IO_BYTES,
		.dev_id = -1,
		.flags = UBLK_F_CMD_IOCTL_ENCODE,
	};
	struct dev d = { .cdev_fd = -1 };
	unsigned long mib;
	char *end;
	sigset_t set;
	int sfd, ret, ret2;

	if (argc != 2 || (mib = strtoul(argv[1], &end, 10)) == 0 || *end || mib > (1ul << 20)) {
		fprintf(stderr, "usage: ublksrv MIB\n");
		return 1;
	}
	d.size = mib << 20;

	/* SIGTERM and SIGINT blocked in both threads, read by main() from a signalfd */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		die("signalfd", errno);
	signal(SIGPIPE, SIG_IGN);

	d.ctrl_fd = open("/dev/ublk-control", O_RDWR | O_CLOEXEC);
	if (d.ctrl_fd < 0) {
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
			die("/dev/ublk-control", errno);
		fprintf(stderr, "census: not in this kernel: /dev/ublk-control (ublk_drv): %s\n",
			strerror(errno));
		return 2;
	}
	d.mem = mmap(NULL, d.size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d.mem == MAP_FAILED)
		die("mmap", errno);
	d.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d.stop_fd < 0)
		die("eventfd", errno);
	if (sem_init(&d.ready, 0, 0))
		die("sem_init", errno);
	ret = io_uring_queue_init(4, &d.ctrl, IORING_SETUP_SQE128);
	if (ret < 0)
		die("io_uring_queue_init", -ret);

	ret = ctrl_cmd(&d, UBLK_U_CMD_ADD_DEV, -1, &info, sizeof(info), 0);
	if (ret)
		die("ADD_DEV", -ret);
	d.id = info.dev_id;

	ret = run(&d, sfd);
	ret2 = ctrl_cmd(&d, UBLK_U_CMD_DEL_DEV, d.id, NULL, 0, 0);
	if (ret2 && !ret)
		ret = fail("DEL_DEV", -ret2);
	return ret ? 1 : 0;
}
