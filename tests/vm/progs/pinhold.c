// SPDX-License-Identifier: GPL-2.0
/*
 * pinhold: user-space workloads that pin pages through ordinary system calls, for the VM tests.
 *
 *   pinhold hold PAGES           register PAGES pages with io_uring (FOLL_PIN|FOLL_LONGTERM),
 *                                print "held", keep them until SIGUSR1 or SIGTERM, unregister
 *   pinhold hold-thp PAGES       the same with a THP-backed buffer (2 MiB folios)
 *                                (PINHOLD_UNMAP=1: the buffer unmapped once registered)
 *   pinhold hold-hugetlb PAGES   the same with a hugetlb buffer (MAP_HUGETLB: 2 MiB folios
 *                                from the pool, vm.nr_hugepages)
 *   pinhold hold-udmabuf PAGES   a udmabuf of a PAGES-page memfd (memfd_pin_folios(), 6.12+),
 *                                both held open until SIGUSR1 or SIGTERM
 *   pinhold uring-dio FILE PAGES O_DIRECT reads of FILE into a buffer io_uring keeps pinned
 *   pinhold thp-dio FILE         O_DIRECT reads into a THP-backed (2 MiB folio) buffer
 *   pinhold zero-dio FILE thp|small  O_DIRECT writes to FILE from a buffer only ever read: its
 *                                pages are the shared zero page (small), or the huge zero
 *                                folio (thp, where the kernel maps one: a read fault of an
 *                                aligned 2 MiB of MADV_HUGEPAGE memory)
 *   pinhold vmsplice PAGES       vmsplice a buffer into a pipe and read it back
 *   pinhold vmrw PAGES           process_vm_readv then process_vm_writev of PAGES pages of its
 *                                own memory: FOLL_PIN of the remote pages each time
 *                                (pin_user_pages_remote(), mm/process_vm_access.c; all four
 *                                kernels of the matrix)
 *   pinhold vmrw-loop PAGES      vmrw again and again until killed: another process's pins
 *                                all the time, the load of a busy machine
 *   pinhold uring-loop PAGES     register PAGES pages with io_uring, hold them 20 ms,
 *                                unregister, again and again until killed
 *   pinhold vmrw-churn ROUNDS PAGES  ROUNDS times: vmrw of PAGES fresh pages, unmapped (freed)
 *                                after, then as many pages mapped and kept so that the next
 *                                round's are other pages; prints how many distinct pages were
 *                                pinned (their PFNs, /proc/self/pagemap, as root)
 *
 * PINHOLD_COMM=NAME renames the task first (prctl PR_SET_NAME): hostile names for the tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/udmabuf.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096UL
#define THP (2UL << 20)

static void die(const char *what)
{
	fprintf(stderr, "pinhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *buffer(size_t len, size_t align, int advice)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	p = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (madvise(p, len, advice))
		die("madvise");
	memset(p, 0x5a, len);	/* real pages, never the zero page */
	return p;
}

static int ring_with_buffer(char *buf, size_t len)
{
	struct io_uring_params params = {};
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	int fd = syscall(__NR_io_uring_setup, 4, &params);

	if (fd < 0)
		die("io_uring_setup");
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1))
		die("IORING_REGISTER_BUFFERS");
	return fd;
}

static void unregister(int fd)
{
	if (syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0))
		die("IORING_UNREGISTER_BUFFERS");
	close(fd);
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static long pages_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n <= 0 || n > 262144) {
		fprintf(stderr, "pinhold: bad page count '%s'\n", s);
		exit(2);
	}
	return n;
}

static void dio_reads(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_DIRECT);
	size_t off;

	if (fd < 0)
		die(path);
	for (off = 0; off + PAGE <= len; off += PAGE)
		if (pread(fd, buf + off, PAGE, off) < 0)
			die("pread O_DIRECT");
	close(fd);
}

int main(int argc, char **argv)
{
	const char *comm = getenv("PINHOLD_COMM");

	if (comm && prctl(PR_SET_NAME, comm))
		die("PR_SET_NAME");
	if (argc == 3 && (!strcmp(argv[1], "hold") || !strcmp(argv[1], "hold-thp") ||
			  !strcmp(argv[1], "hold-hugetlb"))) {
		bool thp = !strcmp(argv[1], "hold-thp");
		size_t len = pages_arg(argv[2]) * PAGE;
		char *buf;

		if (!strcmp(argv[1], "hold-hugetlb")) {
			buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
			if (buf == MAP_FAILED)
				die("mmap MAP_HUGETLB");
			memset(buf, 0x5a, len);
		} else {
			buf = buffer(len, thp ? THP : PAGE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		}
		sigset_t set;
		int fd, sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		fd = ring_with_buffer(buf, len);
		/* the pins stay the ring's: io_uring holds them, nobody maps the pages */
		if (getenv("PINHOLD_UNMAP") && munmap(buf, len))
			die("munmap");
		printf("held %s pages, pid %d\n", argv[2], getpid());
		fflush(stdout);
		sigwait(&set, &sig);
		unregister(fd);
		printf("released\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "hold-udmabuf")) {
		size_t len = pages_arg(argv[2]) * PAGE;
		struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = len };
		int dev = open("/dev/udmabuf", O_RDWR), mfd, buf, sig;
		sigset_t set;

		if (dev < 0)
			die("/dev/udmabuf");
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		mfd = memfd_create("pinhold-udmabuf", MFD_ALLOW_SEALING);
		if (mfd < 0 || ftruncate(mfd, len) || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK))
			die("memfd");
		c.memfd = mfd;
		buf = ioctl(dev, UDMABUF_CREATE, &c);
		if (buf < 0)
			die("UDMABUF_CREATE");
		printf("held %s pages, pid %d\n", argv[2], getpid());
		fflush(stdout);
		sigwait(&set, &sig);
		close(buf);
		close(mfd);
		printf("released\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "uring-dio")) {
		size_t len = pages_arg(argv[3]) * PAGE;
		char *buf = buffer(len, PAGE, MADV_NOHUGEPAGE);
		int fd = ring_with_buffer(buf, len);

		dio_reads(argv[2], buf, len);
		unregister(fd);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "zero-dio")) {
		bool thp = !strcmp(argv[3], "thp");
		char *p = mmap(NULL, 2 * THP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *buf;
		volatile char sum = 0;
		size_t off;
		int fd;

		if (p == MAP_FAILED)
			die("mmap");
		buf = (char *)(((unsigned long)p + THP - 1) & ~(THP - 1));
		if (madvise(buf, THP, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			die("madvise");
		for (off = 0; off < THP; off += PAGE)	/* read faults: zero page(s) mapped */
			sum += buf[off];
		fd = open(argv[2], O_WRONLY | O_CREAT | O_DIRECT, 0644);
		if (fd < 0)
			die(argv[2]);
		for (off = 0; off < THP; off += 16 * PAGE)
			if (pwrite(fd, buf + off, 16 * PAGE, off) < 0)
				die("pwrite O_DIRECT");
		close(fd);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "thp-dio")) {
		char *buf = buffer(THP, THP, MADV_HUGEPAGE);

		dio_reads(argv[2], buf, THP);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "vmsplice")) {
		size_t len = pages_arg(argv[2]) * PAGE, done = 0;
		char *buf = buffer(len, PAGE, MADV_NOHUGEPAGE), *back = malloc(PAGE);
		int p[2];

		if (!back || pipe(p))
			die("pipe");
		while (done < len) {
			struct iovec iov = { .iov_base = buf + done, .iov_len = PAGE };

			if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)PAGE)
				die("vmsplice");
			if (read(p[0], back, PAGE) != (ssize_t)PAGE)
				die("read pipe");
			done += PAGE;
		}
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "vmrw") || !strcmp(argv[1], "vmrw-loop"))) {
		size_t len = pages_arg(argv[2]) * PAGE;
		char *remote = buffer(len, PAGE, MADV_NOHUGEPAGE);
		char *local = buffer(len, PAGE, MADV_NOHUGEPAGE);
		struct iovec l = { .iov_base = local, .iov_len = len };
		struct iovec r = { .iov_base = remote, .iov_len = len };
		bool loop = !strcmp(argv[1], "vmrw-loop");

		/* this process as the remote one: its pages pinned, copied, unpinned */
		do {
			if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)len)
				die("process_vm_readv");
			if (process_vm_writev(getpid(), &l, 1, &r, 1, 0) != (ssize_t)len)
				die("process_vm_writev");
		} while (loop);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "vmrw-churn")) {
		long rounds = pages_arg(argv[2]), pages = pages_arg(argv[3]), i, j, n = 0;
		unsigned long long *pfn = calloc(rounds * pages, sizeof(*pfn));
		int pagemap = open("/proc/self/pagemap", O_RDONLY);
		size_t len = pages * PAGE;
		char *local = buffer(len, PAGE, MADV_NOHUGEPAGE);

		if (!pfn || pagemap < 0)
			die("pagemap");
		for (i = 0; i < rounds; i++) {
			char *remote = buffer(len, PAGE, MADV_NOHUGEPAGE);
			struct iovec l = { .iov_base = local, .iov_len = len };
			struct iovec r = { .iov_base = remote, .iov_len = len };

			for (j = 0; j < pages; j++) {
				unsigned long long e = 0;
				off_t off = ((unsigned long)remote / PAGE + j) * sizeof(e);

				if (pread(pagemap, &e, sizeof(e), off) != sizeof(e))
					die("pread pagemap");
				pfn[n++] = e & ((1ULL << 55) - 1);
			}
			if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)len)
				die("process_vm_readv");
			/* buffer() maps len + PAGE, page-aligned already: all of it goes */
			munmap(remote, len + PAGE);
			/* the pages just freed come back here first, and stay */
			buffer(len, PAGE, MADV_NOHUGEPAGE);
		}
		qsort(pfn, n, sizeof(*pfn), cmp_ull);
		for (i = 0, j = 0; i < n; i++)
			j += pfn[i] && (i == 0 || pfn[i] != pfn[i - 1]);
		printf("distinct pages pinned: %ld\n", j);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "uring-loop")) {
		size_t len = pages_arg(argv[2]) * PAGE;
		char *buf = buffer(len, PAGE, MADV_NOHUGEPAGE);

		for (;;) {
			int fd = ring_with_buffer(buf, len);

			usleep(20000);
			unregister(fd);
		}
	}
	fprintf(stderr, "usage: pinhold hold PAGES | hold-thp PAGES | uring-dio FILE PAGES | "
		"thp-dio FILE | vmsplice PAGES | vmrw PAGES | vmrw-loop PAGES | uring-loop PAGES | "
		"vmrw-churn ROUNDS PAGES | "
		"zero-dio FILE thp|small\n");
	return 2;
}
