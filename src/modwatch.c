// SPDX-License-Identifier: GPL-2.0
/*
 * The module watch (modwatch.h): which kprobes on modules' functions went with their module,
 * and which can attach again, as /proc/modules and the symbols change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	int mslot;			/* its module's slot in the BPF side's list, or -1 */
	__u64 freed;			/* the module's unloads then */
};

struct modwatch {
	struct ksyms *ks;
	char (*names)[PA_MODULE_NAME_LEN];	/* the BPF side's kprobed_module, mapped */
	volatile __u64 *frees;			/* and its kprobed_module_frees */
	struct watch w[PA_NR_HOOK_DEFS];
};

struct modwatch *modwatch__new(struct ksyms *ks, void *names, volatile __u64 *frees)
{
	struct modwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->ks = ks;
	w->names = names;
	w->frees = frees;
	return w;
}

void modwatch__free(struct modwatch *w)
{
	free(w);
}

/*
 * MOD's slot in the BPF side's list of modules, named there if new; -1 when full (its
 * unloads are then seen by the address alone). Written before its kprobe attaches.
 */
static int module_slot(struct modwatch *w, const char *mod)
{
	char name[PA_MODULE_NAME_LEN] = {};
	int i;

	snprintf(name, sizeof(name), "%s", mod);
	for (i = 0; i < PA_MAX_KPROBED_MODULES; i++) {
		if (!w->names[i][0]) {
			memcpy(w->names[i], name, sizeof(name));
			return i;
		}
		if (!memcmp(w->names[i], name, sizeof(name)))
			return i;
	}
	return -1;
}

const char *modwatch__watch(struct modwatch *w, int slot, const char *func, bool kprobe)
{
	const char *mod = ksyms__func_module(w->ks, func);
	struct watch *k = &w->w[slot];

	k->state = UNWATCHED;
	k->module[0] = 0;
	if (!kprobe || !mod || !mod[0])
		return "";
	k->state = WATCHED;
	k->func = func;
	snprintf(k->module, sizeof(k->module), "%s", mod);
	k->addr = ksyms__addr(w->ks, func);
	k->mslot = module_slot(w, mod);
	k->freed = k->mslot >= 0 ? w->frees[k->mslot] : 0;
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
	return k->mslot >= 0 && w->frees[k->mslot] != k->freed;
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
