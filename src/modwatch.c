// SPDX-License-Identifier: GPL-2.0
/*
 * The module watch (modwatch.h): which kprobes on modules' functions went with their module,
 * and which can attach again, as /proc/modules and the symbols change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include "ksyms.h"
#include "modwatch.h"
#include "pinaudit.h"

enum watch_state { UNWATCHED, WATCHED, GONE };

struct watch {
	enum watch_state state;
	const char *func;		/* the hook table's string */
	char module[PA_MODULE_NAME_LEN];
	unsigned long addr;		/* the function's address as it attached */
	__u64 freed;			/* the module's unloads then (kprobed_modules) */
};

struct modwatch {
	struct ksyms *ks;
	int map_fd;
	struct watch w[PA_NR_HOOK_DEFS];
};

struct modwatch *modwatch__new(struct ksyms *ks, int map_fd)
{
	struct modwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->ks = ks;
	w->map_fd = map_fd;
	return w;
}

void modwatch__free(struct modwatch *w)
{
	free(w);
}

const char *modwatch__watch(struct modwatch *w, int slot, const char *func, bool kprobe)
{
	const char *mod = ksyms__func_module(w->ks, func);
	struct watch *k = &w->w[slot];
	char key[PA_MODULE_NAME_LEN] = {};
	__u64 zero = 0;

	k->state = UNWATCHED;
	k->module[0] = 0;
	if (!kprobe || !mod || !mod[0])
		return "";
	k->state = WATCHED;
	k->func = func;
	snprintf(k->module, sizeof(k->module), "%s", mod);
	k->addr = ksyms__addr(w->ks, func);
	snprintf(key, sizeof(key), "%s", mod);
	/* full (8 modules): its unloads are seen by the address alone */
	bpf_map_update_elem(w->map_fd, key, &zero, BPF_NOEXIST);
	k->freed = 0;
	bpf_map_lookup_elem(w->map_fd, key, &k->freed);
	return k->module;
}

void modwatch__unwatch(struct modwatch *w, int slot)
{
	w->w[slot].state = UNWATCHED;
	w->w[slot].module[0] = 0;
}

/* K's module was unloaded since K attached (tp_module_free counted it) */
static bool module_freed(const struct modwatch *w, const struct watch *k)
{
	char key[sizeof(k->module)] = {};
	__u64 freed = 0;

	snprintf(key, sizeof(key), "%s", k->module);
	return !bpf_map_lookup_elem(w->map_fd, key, &freed) && freed != k->freed;
}

/* K's function is in its module, and that module Live */
static bool module_live(const struct modwatch *w, const struct watch *k)
{
	const char *mod = ksyms__func_module(w->ks, k->func);

	return mod && !strcmp(mod, k->module) && ksyms__module_live(w->ks, mod);
}

int modwatch__poll(struct modwatch *w, struct modnews *news)
{
	int i, err;

	memset(news, 0, sizeof(*news));
	/* a module unloaded and loaded again at its old address leaves /proc/modules the same */
	news->changed = ksyms__modules_changed(w->ks, NULL);
	err = news->changed ? ksyms__reload(w->ks) : 0;
	if (err) {
		news->changed = false;
		return err;
	}
	for (i = 0; i < PA_NR_HOOK_DEFS; i++) {
		struct watch *k = &w->w[i];

		if (k->state != WATCHED)
			continue;
		if (!module_freed(w, k) && module_live(w, k) &&
		    ksyms__addr(w->ks, k->func) == k->addr)
			continue;	/* the same code: its kprobes still on it */
		k->state = GONE;
		news->gone[i] = true;
		news->nr_gone++;
	}
	for (i = 0; i < PA_NR_HOOK_DEFS; i++)
		news->back[i] = w->w[i].state == GONE && module_live(w, &w->w[i]);
	return 0;
}
