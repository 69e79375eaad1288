// SPDX-License-Identifier: GPL-2.0
/* pinaudit: env -> hooks -> window -> audit -> report -> exit status. */
#include <errno.h>
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
	struct hooks *hooks = NULL;
	struct ksyms *ks = NULL;
	struct btf *btf = NULL;
	struct vmstat_pins v0 = {}, v1 = {};
	__u64 c0[PA_NR_COUNTERS], c[PA_NR_COUNTERS];
	struct audit audit;
	struct utsname un;
	FILE *out = stdout;
	double t0;
	int err, vm0, vm1;

	env__parse(&env, argc, argv);
	if (env.output && !(out = fopen(env.output, "w"))) {
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
	hooks__attach(hooks);
	hooks__fill(hooks, &audit, NULL);
	if (!audit__live_hooks(&audit, true)) {
		cannot_trace("no pin accounting hook attached (-v lists why)");
		if (env.verbose)
			report__text(stderr, &audit, env.verbose);
		goto cleanup;
	}
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
	err = run__window(&env, &audit.status);
	if (err) {
		fprintf(stderr, "pinaudit: running the command: %s\n", strerror(-err));
		err = PA_EXIT_CMD_FAILED;
		goto cleanup;
	}
	audit.seconds = now() - t0;
	vm1 = vmstat__read(&v1);
	err = read_counters(skel, c);
	for (int i = 0; !err && i < PA_NR_COUNTERS; i++)
		c[i] -= c0[i];
	hooks__fill(hooks, &audit, err ? NULL : c);
	hooks__free(hooks);	/* detach before reporting */
	hooks = NULL;
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
	}
	audit.vmstat_ok = !vm0 && !vm1;
	audit.vm_acquired = v1.acquired - v0.acquired;
	audit.vm_released = v1.released - v0.released;
	audit__reconcile(&audit);

	if (env.json)
		report__json(out, &audit, env.pretty);
	else
		report__text(out, &audit, env.verbose);
	err = audit__exit_status(&audit);
cleanup:
	hooks__free(hooks);
	pinaudit_bpf__destroy(skel);
	ksyms__free(ks);
	btf__free(btf);
	if (out != stdout)
		fclose(out);
	return err;
}
