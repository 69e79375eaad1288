// SPDX-License-Identifier: GPL-2.0
/*
 * census: each pinning path of the census run N times over a buffer of PAGES pages, for
 * tests/vm/t_census.sh. Prints "ops N pages PAGES" when done; exit 2 when the path is not in
 * this kernel (its module or device missing: the message says which), 1 on any other error.
 *
 *   census tcp-zc PAGES N      send() with MSG_ZEROCOPY over a loopback TCP connection
 *                              (net/core/datagram.c, zerocopy_sg_from_iter()), the completions
 *                              read from the error queue
 *   census udp-zc PAGES N      the same over UDP (PAGES <= 15: one datagram)
 *   census tls PAGES N         kTLS (TLS 1.2, AES-GCM-128) both ways over a loopback TCP
 *                              connection: send() encrypts (net/tls/tls_sw.c), recv() decrypts
 *                              into the buffer
 *   census udmabuf PAGES N     a dma-buf made from a memfd (/dev/udmabuf, UDMABUF_CREATE),
 *                              then closed
 *   census splice-dio FILE PAGES N  vmsplice() of the buffer into a pipe, then splice() from
 *                              the pipe into FILE opened O_DIRECT (fs/splice.c)
 *   census tee PAGES N         vmsplice() into a pipe, tee() into a second, both read back
 *   census dio FILE PAGES N    FILE opened O_DIRECT, written then read back (read only when
 *                              FILE exists on a read-only mount)
 *   census uring-zc PAGES N    io_uring's zero-copy send (IORING_OP_SEND_ZC, 6.0) over a
 *                              loopback TCP connection, each send's notification awaited
 *   census uring-zc-fixed PAGES N  the same from a registered buffer (IORING_RECVSEND_FIXED_BUF)
 *   census rds-zc PAGES N      RDS over TCP (SO_RDS_TRANSPORT RDS_TRANS_TCP, rds_tcp) with
 *                              MSG_ZEROCOPY between two sockets on 127.0.0.1
 *   census sockmap PAGES N     send() on a TCP socket in a sockmap whose SK_MSG program
 *                              redirects to the peer's ingress (net/core/skmsg.c, tcp_bpf.c)
 *   census uring-pbuf-ring PAGES N  an io_uring provided-buffer ring of PAGES pages in user
 *                              memory (IORING_REGISTER_PBUF_RING, 5.19) registered, then
 *                              unregistered
 *   census uring-no-mmap PAGES N  an io_uring whose rings and SQEs live in user memory
 *                              (IORING_SETUP_NO_MMAP, 6.5): one page each, set up then closed
 *                              (PAGES is ignored)
 *   census uring-mem-region PAGES N  a memory region of PAGES pages of user memory registered
 *                              as an io_uring's wait arguments (IORING_REGISTER_MEM_REGION,
 *                              6.13), then the ring closed
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/bpf.h>
#include <linux/errqueue.h>
#include <linux/rds.h>
#include <linux/tls.h>
#include <linux/udmabuf.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096UL

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef AF_RDS
#define AF_RDS 21
#endif
#ifndef SOL_RDS
#define SOL_RDS 276
#endif

static void die(const char *what)
{
	fprintf(stderr, "census: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* exit 2: the path is not in this kernel */
static void absent(const char *what)
{
	fprintf(stderr, "census: not in this kernel: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* PAGES pages, page-aligned, touched (each its own small folio) */
static char *buffer(long pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	memset(p, 0x5a, pages * PAGE);
	return p;
}

/* a connected pair over the loopback: *TX and *RX; TYPE SOCK_STREAM or SOCK_DGRAM */
static void loopback_pair(int type, int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, type, 0), s = socket(AF_INET, type, 0);

	if (l < 0 || s < 0)
		die("socket");
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || getsockname(l, (struct sockaddr *)&a, &len))
		die("bind");
	if (type == SOCK_STREAM && listen(l, 1))
		die("listen");
	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	*tx = s;
	if (type == SOCK_DGRAM) {
		*rx = l;
		return;
	}
	*rx = accept(l, NULL, NULL);
	if (*rx < 0)
		die("accept");
	close(l);
}

/* reads LEN bytes from FD (a socket or a pipe) into BUF: a stream may bring them in pieces */
static void read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			die("read");
		got += n;
	}
}

/* waits for the zerocopy completions of sends 0..LAST (a copy is completed the same way) */
static void zc_complete(int fd, unsigned int last)
{
	char control[128];
	unsigned int done = 0, waits = 0;

	while (done <= last) {
		struct msghdr m = { .msg_control = control, .msg_controllen = sizeof(control) };
		struct sock_extended_err *e;
		struct cmsghdr *c;

		if (recvmsg(fd, &m, MSG_ERRQUEUE) < 0) {
			if ((errno == EAGAIN || errno == EINTR) && ++waits < 10000) {
				usleep(1000);	/* 10 s at most */
				continue;
			}
			die("recvmsg MSG_ERRQUEUE");
		}
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			e = (struct sock_extended_err *)CMSG_DATA(c);
			if (e->ee_origin == SO_EE_ORIGIN_ZEROCOPY && e->ee_data + 1 > done)
				done = e->ee_data + 1;
		}
	}
}

static void zerocopy(int type, long pages, long n)
{
	char *buf = buffer(pages), *in = malloc(pages * PAGE);
	int tx, rx, one = 1;
	long i;

	if (!in)
		die("malloc");
	loopback_pair(type, &tx, &rx);
	if (setsockopt(tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		absent("SO_ZEROCOPY");
	for (i = 0; i < n; i++) {
		if (send(tx, buf, pages * PAGE, MSG_ZEROCOPY) != (ssize_t)(pages * PAGE))
			die("send MSG_ZEROCOPY");
		if (type == SOCK_STREAM)
			read_all(rx, in, pages * PAGE);
		else if (recv(rx, in, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("recv");
	}
	zc_complete(tx, n - 1);
	close(tx);
	close(rx);
}

/* kTLS on FD in direction DIR (TLS_TX or TLS_RX): TLS 1.2, AES-GCM-128, a fixed key */
static void ktls(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci = {
		.info = { .version = TLS_1_2_VERSION, .cipher_type = TLS_CIPHER_AES_GCM_128 },
	};

	memset(ci.key, 0x11, sizeof(ci.key));
	memset(ci.iv, 0x22, sizeof(ci.iv));
	memset(ci.salt, 0x33, sizeof(ci.salt));
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		absent("TCP_ULP tls (the tls module)");
	if (setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci)))
		die("setsockopt SOL_TLS");
}

static void tls(long pages, long n)
{
	char *buf = buffer(pages), *in = buffer(pages);
	int tx, rx;
	long i;

	loopback_pair(SOCK_STREAM, &tx, &rx);
	ktls(tx, TLS_TX);
	ktls(rx, TLS_RX);
	for (i = 0; i < n; i++) {
		if (send(tx, buf, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("send (kTLS)");
		read_all(rx, in, pages * PAGE);
		if (memcmp(buf, in, pages * PAGE)) {
			fprintf(stderr, "census: kTLS: what came back differs\n");
			exit(1);
		}
	}
	close(tx);
	close(rx);
}

static void udmabuf(long pages, long n)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = pages * PAGE };
	int dev = open("/dev/udmabuf", O_RDWR), mfd, buf;
	long i;

	if (dev < 0)
		absent("/dev/udmabuf (CONFIG_UDMABUF)");
	for (i = 0; i < n; i++) {
		mfd = memfd_create("census", MFD_ALLOW_SEALING);
		if (mfd < 0 || ftruncate(mfd, pages * PAGE) || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK))
			die("memfd");
		c.memfd = mfd;
		buf = ioctl(dev, UDMABUF_CREATE, &c);
		if (buf < 0)
			die("UDMABUF_CREATE");
		close(buf);
		close(mfd);
	}
	close(dev);
}

static void splice_dio(const char *file, long pages, long n)
{
	char *buf = buffer(pages);
	int p[2], fd = open(file, O_WRONLY | O_CREAT | O_DIRECT, 0600);
	long i;

	if (fd < 0)
		die(file);
	if (pipe(p) || fcntl(p[1], F_SETPIPE_SZ, (int)(pages * PAGE)) < 0)
		die("pipe");
	for (i = 0; i < n; i++) {
		struct iovec v = { buf, pages * PAGE };
		loff_t off = 0;

		if (vmsplice(p[1], &v, 1, 0) != (ssize_t)(pages * PAGE))
			die("vmsplice");
		if (splice(p[0], NULL, fd, &off, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("splice");
	}
	close(fd);
}

static void tee_pipes(long pages, long n)
{
	char *buf = buffer(pages), *in = malloc(pages * PAGE);
	int a[2], b[2];
	long i;

	if (!in || pipe(a) || pipe(b) || fcntl(a[1], F_SETPIPE_SZ, (int)(pages * PAGE)) < 0 ||
	    fcntl(b[1], F_SETPIPE_SZ, (int)(pages * PAGE)) < 0)
		die("pipe");
	for (i = 0; i < n; i++) {
		struct iovec v = { buf, pages * PAGE };

		if (vmsplice(a[1], &v, 1, 0) != (ssize_t)(pages * PAGE))
			die("vmsplice");
		if (tee(a[0], b[1], pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("tee");
		read_all(a[0], in, pages * PAGE);
		read_all(b[0], in, pages * PAGE);
	}
}

/*
 * FILE with O_DIRECT: overwritten then read back, or read only if it exists read-only. Its
 * blocks are written first through the page cache (no page reference of the GUP API), so
 * that each O_DIRECT write overwrites allocated blocks: a write that allocates may be split
 * or fall back to buffered I/O (ext2's block-mapped files, btrfs), as many times as the file
 * system decides.
 */
static void dio(const char *file, long pages, long n)
{
	char *buf = buffer(pages);
	bool ro = access(file, W_OK) && errno == EROFS;
	int fd = ro ? -1 : open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	long i;

	if (!ro && (fd < 0 || write(fd, buf, pages * PAGE) != (ssize_t)(pages * PAGE) ||
		    fsync(fd) || close(fd)))
		die(file);
	fd = open(file, (ro ? O_RDONLY : O_RDWR) | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		absent("O_DIRECT on this file system");
	if (fd < 0)
		die(file);
	for (i = 0; i < n; i++) {
		if (!ro && pwrite(fd, buf, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("pwrite O_DIRECT");
		if (pread(fd, buf, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("pread O_DIRECT");
	}
	close(fd);
}

/* liburing's calls return -errno */
static void uring_die(const char *what, int ret)
{
	errno = -ret;
	die(what);
}

static void uring_zc(long pages, long n, bool fixed)
{
	char *buf = buffer(pages), *in = malloc(pages * PAGE);
	struct iovec v = { buf, pages * PAGE };
	struct io_uring_probe *probe;
	struct io_uring ring;
	int tx, rx, ret;
	long i;

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret) {
		errno = -ret;
		absent("io_uring");
	}
	probe = io_uring_get_probe_ring(&ring);
	if (!probe || !io_uring_opcode_supported(probe, IORING_OP_SEND_ZC)) {
		errno = EOPNOTSUPP;
		absent("IORING_OP_SEND_ZC (io_uring zero-copy send, 6.0)");
	}
	io_uring_free_probe(probe);
	if (!in)
		die("malloc");
	loopback_pair(SOCK_STREAM, &tx, &rx);
	if (fixed && (ret = io_uring_register_buffers(&ring, &v, 1)))
		uring_die("io_uring_register_buffers", ret);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		bool sent = false, notified = false;

		if (fixed)
			io_uring_prep_send_zc_fixed(sqe, tx, buf, pages * PAGE, 0, 0, 0);
		else
			io_uring_prep_send_zc(sqe, tx, buf, pages * PAGE, 0, 0);
		ret = io_uring_submit(&ring);
		if (ret != 1)
			uring_die("io_uring_submit", ret < 0 ? ret : -EIO);
		read_all(rx, in, pages * PAGE);
		/* the send's completion, then (IORING_CQE_F_MORE) its notification: buffer free */
		while (!sent || !notified) {
			struct io_uring_cqe *cqe;

			ret = io_uring_wait_cqe(&ring, &cqe);
			if (ret)
				uring_die("io_uring_wait_cqe", ret);
			if (cqe->flags & IORING_CQE_F_NOTIF) {
				notified = true;
			} else {
				if (cqe->res != (int)(pages * PAGE))
					uring_die("IORING_OP_SEND_ZC", cqe->res < 0 ? cqe->res : -EIO);
				sent = true;
				notified |= !(cqe->flags & IORING_CQE_F_MORE);
			}
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	if (fixed)
		io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	close(tx);
	close(rx);
}

/*
 * io_uring's memory in user pages (io_uring/memmap.c, kbuf.c): a provided-buffer ring, rings
 * and SQEs with IORING_SETUP_NO_MMAP, a registered region. liburing 2.3 (Debian 12) knows
 * none of them: raw system calls, the 7.x uapi's layouts.
 */
#ifndef IORING_SETUP_NO_MMAP
#define IORING_SETUP_NO_MMAP	(1U << 14)
#endif
#define REGISTER_MEM_REGION	34		/* IORING_REGISTER_MEM_REGION */
#define MEM_REGION_TYPE_USER	1		/* IORING_MEM_REGION_TYPE_USER */
#define MEM_REGION_REG_WAIT_ARG	1		/* IORING_MEM_REGION_REG_WAIT_ARG */

struct region_desc {				/* struct io_uring_region_desc */
	__u64 user_addr, size;
	__u32 flags, id;
	__u64 mmap_offset, resv[4];
};

struct mem_region_reg {				/* struct io_uring_mem_region_reg */
	__u64 region_uptr, flags, resv[2];
};

static int uring_setup(unsigned int entries, struct io_uring_params *p)
{
	return syscall(__NR_io_uring_setup, entries, p);
}

static int uring_register(int fd, unsigned int op, void *arg, unsigned int nr)
{
	return syscall(__NR_io_uring_register, fd, op, arg, nr);
}

/* a ring of one entry with FLAGS, or exit 2 when this kernel has no io_uring */
static int uring_fd(struct io_uring_params *p, unsigned int flags, const char *what)
{
	int fd;

	p->flags |= flags;
	fd = uring_setup(1, p);
	if (fd < 0 && errno == ENOSYS)
		absent("io_uring");
	if (fd < 0 && errno == EINVAL)
		absent(what);
	if (fd < 0)
		die(what);
	return fd;
}

static void uring_pbuf_ring(long pages, long n)
{
	char *ring = buffer(pages);
	struct io_uring_buf_reg reg = {
		.ring_addr = (__u64)ring,
		.ring_entries = pages * PAGE / sizeof(struct io_uring_buf),
	};
	struct io_uring_params p = {};
	int fd = uring_fd(&p, 0, "io_uring");
	long i;

	if (pages & (pages - 1)) {
		errno = EINVAL;
		die("uring-pbuf-ring: PAGES must be a power of two");
	}
	for (i = 0; i < n; i++) {
		if (uring_register(fd, IORING_REGISTER_PBUF_RING, &reg, 1)) {
			if (errno == EINVAL && !i)
				absent("IORING_REGISTER_PBUF_RING (provided-buffer rings, 5.19)");
			die("IORING_REGISTER_PBUF_RING");
		}
		if (uring_register(fd, IORING_UNREGISTER_PBUF_RING, &reg, 1))
			die("IORING_UNREGISTER_PBUF_RING");
	}
	close(fd);
}

static void uring_no_mmap(long n)
{
	long i;

	for (i = 0; i < n; i++) {
		char *rings = buffer(1), *sqes = buffer(1);
		struct io_uring_params p = {};

		/* io_sqring_offsets.user_addr and io_cqring_offsets.user_addr (resv2 before 6.5) */
		p.sq_off.resv2 = (__u64)sqes;
		p.cq_off.resv2 = (__u64)rings;
		close(uring_fd(&p, IORING_SETUP_NO_MMAP, "IORING_SETUP_NO_MMAP (rings in user memory, 6.5)"));
		munmap(rings, PAGE);
		munmap(sqes, PAGE);
	}
}

static void uring_mem_region(long pages, long n)
{
	char *mem = buffer(pages);
	struct region_desc rd = {
		.user_addr = (__u64)mem,
		.size = pages * PAGE,
		.flags = MEM_REGION_TYPE_USER,
	};
	struct mem_region_reg mr = { .region_uptr = (__u64)&rd, .flags = MEM_REGION_REG_WAIT_ARG };
	long i;

	for (i = 0; i < n; i++) {
		struct io_uring_params p = {};
		/* wait arguments are registered before the ring is enabled (io_register_mem_region()) */
		int fd = uring_fd(&p, IORING_SETUP_R_DISABLED, "io_uring");

		if (uring_register(fd, REGISTER_MEM_REGION, &mr, 1)) {
			if (errno == EINVAL && !i)
				absent("IORING_REGISTER_MEM_REGION (registered regions, 6.13)");
			die("IORING_REGISTER_MEM_REGION");
		}
		close(fd);
	}
}

/* an RDS socket over the TCP transport bound to 127.0.0.1 (port chosen by the kernel) */
static int rds_socket(struct sockaddr_in *a)
{
	int s = socket(AF_RDS, SOCK_SEQPACKET, 0), t = RDS_TRANS_TCP;
	socklen_t len = sizeof(*a);

	if (s < 0)
		absent("AF_RDS (the rds module)");
	/* before bind: loopback addresses would get the loop transport, which refuses zerocopy */
	if (setsockopt(s, SOL_RDS, SO_RDS_TRANSPORT, &t, sizeof(t)))
		absent("RDS over TCP (SO_RDS_TRANSPORT, the rds_tcp module)");
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)a, sizeof(*a)) || getsockname(s, (struct sockaddr *)a, &len))
		die("bind (RDS)");
	return s;
}

static void rds_zc(long pages, long n)
{
	char *buf = buffer(pages), *in = malloc(pages * PAGE);
	struct sockaddr_in sa, ra;
	int s = rds_socket(&sa), r = rds_socket(&ra), one = 1;
	long i;

	if (!in)
		die("malloc");
	if (setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		absent("SO_ZEROCOPY on RDS");
	for (i = 0; i < n; i++) {
		struct iovec v = { buf, pages * PAGE };
		union {
			char buf[CMSG_SPACE(sizeof(__u32))];
			struct cmsghdr align;
		} control = {};
		struct msghdr m = { .msg_name = &ra, .msg_namelen = sizeof(ra), .msg_iov = &v,
				    .msg_iovlen = 1, .msg_control = control.buf,
				    .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		__u32 cookie = i;

		/* net/rds/send.c, rds_rm_size(): MSG_ZEROCOPY without a cookie is EINVAL */
		c->cmsg_level = SOL_RDS;
		c->cmsg_type = RDS_CMSG_ZCOPY_COOKIE;
		c->cmsg_len = CMSG_LEN(sizeof(cookie));
		memcpy(CMSG_DATA(c), &cookie, sizeof(cookie));
		if (sendmsg(s, &m, MSG_ZEROCOPY) != (ssize_t)(pages * PAGE))
			die("sendmsg MSG_ZEROCOPY (RDS)");
		if (recv(r, in, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("recv (RDS)");
	}
	close(s);
	close(r);
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/*
 * The SK_MSG program: bpf_msg_redirect_map(msg, map, 1, BPF_F_INGRESS), the receiving
 * socket's ingress, written as instructions (no libbpf, no object file)
 */
static int sk_msg_redirect(int map)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_4, .imm = BPF_F_INGRESS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_msg_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a = {
		.prog_type = BPF_PROG_TYPE_SK_MSG, .insns = (unsigned long)insns,
		.insn_cnt = sizeof(insns) / sizeof(insns[0]), .license = (unsigned long)"GPL",
	};

	return sys_bpf(BPF_PROG_LOAD, &a);
}

static void sockmap(long pages, long n)
{
	char *buf = buffer(pages), *in = malloc(pages * PAGE);
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_SOCKMAP, .key_size = 4, .value_size = 4,
			     .max_entries = 2 };
	int map, prog, tx, rx, fd[2];
	__u32 k;
	long i;

	if (!in)
		die("malloc");
	map = sys_bpf(BPF_MAP_CREATE, &a);
	if (map < 0)
		absent("BPF_MAP_TYPE_SOCKMAP");
	prog = sk_msg_redirect(map);
	if (prog < 0)
		die("BPF_PROG_LOAD (SK_MSG)");
	memset(&a, 0, sizeof(a));
	a.target_fd = map;
	a.attach_bpf_fd = prog;
	a.attach_type = BPF_SK_MSG_VERDICT;
	if (sys_bpf(BPF_PROG_ATTACH, &a))
		die("BPF_PROG_ATTACH (sk_msg verdict)");
	loopback_pair(SOCK_STREAM, &tx, &rx);
	fd[0] = tx;
	fd[1] = rx;
	for (k = 0; k < 2; k++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = map;
		a.key = (unsigned long)&k;
		a.value = (unsigned long)&fd[k];
		if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a))
			die("sockmap update");
	}
	for (i = 0; i < n; i++) {
		if (send(tx, buf, pages * PAGE, 0) != (ssize_t)(pages * PAGE))
			die("send (sockmap)");
		read_all(rx, in, pages * PAGE);
	}
	close(tx);
	close(rx);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int fileless = strcmp(cmd, "splice-dio") && strcmp(cmd, "dio");
	long pages, n;

	if (argc != (fileless ? 4 : 5)) {
		fprintf(stderr, "usage: census tcp-zc|udp-zc|tls|udmabuf|tee|uring-zc|uring-zc-fixed"
			"|rds-zc|sockmap\n"
			"              |uring-pbuf-ring|uring-no-mmap|uring-mem-region PAGES N\n"
			"       census splice-dio|dio FILE PAGES N\n");
		return 1;
	}
	pages = atol(argv[fileless ? 2 : 3]);
	n = atol(argv[fileless ? 3 : 4]);
	if (pages < 1 || n < 1)
		return 1;
	if (!strcmp(cmd, "tcp-zc"))
		zerocopy(SOCK_STREAM, pages, n);
	else if (!strcmp(cmd, "udp-zc"))
		zerocopy(SOCK_DGRAM, pages, n);
	else if (!strcmp(cmd, "tls"))
		tls(pages, n);
	else if (!strcmp(cmd, "udmabuf"))
		udmabuf(pages, n);
	else if (!strcmp(cmd, "splice-dio"))
		splice_dio(argv[2], pages, n);
	else if (!strcmp(cmd, "tee"))
		tee_pipes(pages, n);
	else if (!strcmp(cmd, "dio"))
		dio(argv[2], pages, n);
	else if (!strcmp(cmd, "uring-zc") || !strcmp(cmd, "uring-zc-fixed"))
		uring_zc(pages, n, !strcmp(cmd, "uring-zc-fixed"));
	else if (!strcmp(cmd, "rds-zc"))
		rds_zc(pages, n);
	else if (!strcmp(cmd, "sockmap"))
		sockmap(pages, n);
	else if (!strcmp(cmd, "uring-pbuf-ring"))
		uring_pbuf_ring(pages, n);
	else if (!strcmp(cmd, "uring-no-mmap"))
		uring_no_mmap(n);
	else if (!strcmp(cmd, "uring-mem-region"))
		uring_mem_region(pages, n);
	else
		return 1;
	printf("ops %ld pages %ld\n", n, pages);
	return 0;
}
