// SPDX-License-Identifier: GPL-2.0
/* pinaudit: env -> hooks -> window -> audit -> report -> exit status. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "env.h"
#include "events.h"
#include "hooks.h"
#include "kconsts.h"
#include "ksyms.h"
#include "model.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "report.h"
#include "run.h"
#include "vmstat.h"

static struct env env;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* -v: libbpf warnings (why an attach failed), -vv: info, -vvv: debug and verifier logs */
	if (env.verbose < (level == LIBBPF_WARN ? 1 : level == LIBBPF_INFO ? 2 : 3))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sums the per-CPU counters into out[PA_NR_COUNTERS] */
static int read_counters(struct pinaudit_bpf *skel, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.counters);
	__u64 *vals;
	__u32 k;
	int c;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < PA_NR_COUNTERS; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

static int poll_events(void *ctx, int timeout_ms)
{
	return events__poll(ctx, timeout_ms);
}

/*
 * -o FILE is checked before anything touches the kernel (a usage error), but not truncated
 * until the report is written: a run that cannot trace leaves an older report alone.
 */
static FILE *output_open(const char *path, bool *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? NULL : fdopen(fd, "w");
}

static void cannot_trace(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pinaudit: cannot trace this kernel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (geteuid() != 0)
		fprintf(stderr, " (not root: pinaudit needs CAP_BPF and CAP_PERFMON, or root)");
	fputc('\n', stderr);
}

/* lockdown=integrity/confidentiality refuses fentry and kprobes: worth naming */
static const char *lockdown(void)
{
	static char buf[128];
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char *s, *e;

	if (!f)
		return NULL;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!s || !(s = strchr(buf, '[')) || !(e = strchr(s, ']')))
		return NULL;
	*e = 0;
	return strcmp(s + 1, "none") ? s + 1 : NULL;
}

int main(int argc, char **argv)
{
	struct pinaudit_bpf *skel = NULL;
	struct events *events = NULL;
	struct hooks *hooks = NULL;
	struct ksyms *ks = NULL;
	struct btf *btf = NULL;
	struct vmstat_pins v0 = {}, v1 = {};
	__u64 c0[PA_NR_COUNTERS], c[PA_NR_COUNTERS];
	struct audit audit;
	struct utsname un;
	bool out_created = false;
	FILE *out = stdout;
	double t0;
	int err, vm0, vm1;

	env__parse(&env, argc, argv);
	if (env.output && !(out = output_open(env.output, &out_created))) {
		fprintf(stderr, "pinaudit: cannot write %s: %s\n", env.output, strerror(errno));
		return PA_EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);
	audit__init(&audit);
	uname(&un);
	snprintf(audit.kernel, sizeof(audit.kernel), "%s", un.release);
	audit.argv = env.argv;
	audit.argc = env.argc;
	audit.max_folios = env.max_folios;

	err = PA_EXIT_NOTRACE;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		cannot_trace("no kernel BTF (/sys/kernel/btf/vmlinux): %s; CONFIG_DEBUG_INFO_BTF "
			     "is needed", strerror(errno));
		goto cleanup;
	}
	ks = ksyms__load(NULL);
	if (!ks) {
		cannot_trace("/proc/kallsyms: %s", strerror(errno));
		goto cleanup;
	}
	skel = pinaudit_bpf__open();
	if (!skel) {
		cannot_trace("opening the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	kconsts__set(skel, btf, ks);
	bpf_map__set_max_entries(skel->maps.ledger, env.max_folios);
	bpf_map__set_max_entries(skel->maps.events, env.ringbuf_kib * 1024);
	hooks = hooks__new(&env, ks, btf);
	if (!hooks) {
		fprintf(stderr, "pinaudit: out of memory\n");
		goto cleanup;
	}
	if (hooks__prepare(hooks, skel)) {
		const char *ld = lockdown();

		cannot_trace("%s%s%s", hooks__cause(hooks), ld ? "; kernel lockdown=" : "",
			     ld ? ld : "");
		goto cleanup;
	}
	if (pinaudit_bpf__load(skel)) {
		cannot_trace("loading the BPF programs: %s (-vvv shows the verifier log)",
			     strerror(errno));
		goto cleanup;
	}
	events = events__new(skel, &audit);
	if (!events) {
		cannot_trace("ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	hooks__attach(hooks);
	hooks__fill(hooks, &audit, NULL);
	if (!audit__live_hooks(&audit, true)) {
		cannot_trace("no pin accounting hook attached (-v lists why)");
		if (env.verbose)
			report__text(stderr, &audit, ks, env.verbose);
		goto cleanup;
	}
	audit.detector_off = audit__accounting_missing(&audit);
	if (env.verbose)
		fprintf(stderr, "pinaudit: %d hooks live, auditing%s\n",
			audit__live_hooks(&audit, false), env.argv ? "" : " until Ctrl-C");

	/*
	 * The window: vmstat and our counters read back to back on each side, so pins between
	 * attaching and the first vmstat read count in neither.
	 */
	vm0 = vmstat__read(&v0);
	err = read_counters(skel, c0);
	if (err) {
		fprintf(stderr, "pinaudit: reading the BPF counters: %s\n", strerror(-err));
		err = PA_EXIT_NOTRACE;
		goto cleanup;
	}
	t0 = now();
	err = run__window(&env, &audit.status, poll_events, events);
	if (err) {
		fprintf(stderr, "pinaudit: running the command: %s\n", strerror(-err));
		err = PA_EXIT_CMD_FAILED;
		goto cleanup;
	}
	audit.seconds = now() - t0;
	vm1 = vmstat__read(&v1);
	events__poll(events, 0);
	err = read_counters(skel, c);
	for (int i = 0; !err && i < PA_NR_COUNTERS; i++)
		c[i] -= c0[i];
	hooks__fill(hooks, &audit, err ? NULL : c);
	hooks__free(hooks);	/* detach: the ledger stops moving for the walk */
	hooks = NULL;
	events__poll(events, 0);
	if (err) {
		audit__incomplete(&audit, "reading the BPF counters: %s", strerror(-err));
	} else {
		audit.pins = c[PA_PINS];
		audit.unpins = c[PA_UNPINS];
		audit.gets = c[PA_GETS];
		audit.zero_pins = c[PA_ZERO_PINS];
		audit.zero_unpins = c[PA_ZERO_UNPINS];
		audit.grab_failed = c[PA_GRAB_FAILED];
		audit.stash_lost = c[PA_STASH_LOST];
		audit.ledger_full = c[PA_LEDGER_FULL];
		audit.events_lost = c[PA_EVENTS_LOST];
		audit.stacks_lost = c[PA_STACKS_LOST];
		audit.preexisting_unpins = c[PA_PREEXISTING_UNPINS];
		audit.unpins_unseen = c[PA_UNPINS_UNSEEN];
	}
	if (audit.detector_off) {
		audit__free(&audit);	/* whatever the ring buffer said cannot be trusted */
	} else {
		err = reconcile__run(skel, &audit);
		if (err)
			audit__incomplete(&audit, "the end-of-audit ledger walk failed: %s",
					  strerror(-err));
	}
	audit.vmstat_ok = !vm0 && !vm1;
	audit.vm_acquired = v1.acquired - v0.acquired;
	audit.vm_released = v1.released - v0.released;
	audit__reconcile(&audit);
	audit__withhold_if_unreliable(&audit);

	if (out != stdout && ftruncate(fileno(out), 0))
		fprintf(stderr, "pinaudit: truncating %s: %s\n", env.output, strerror(errno));
	if (env.json)
		report__json(out, &audit, ks, env.pretty);
	else
		report__text(out, &audit, ks, env.verbose);
	err = audit__exit_status(&audit);
	out_created = false;	/* it holds the report now */
cleanup:
	if (out_created)
		unlink(env.output);
	events__free(events);
	audit__free(&audit);
	hooks__free(hooks);
	pinaudit_bpf__destroy(skel);
	ksyms__free(ks);
	btf__free(btf);
	if (out != stdout)
		fclose(out);
	return err;
}
