// SPDX-License-Identifier: GPL-2.0
/* What the text renderers (report, live view, KTAP) share: safe strings, origin labels. */
#include <stdio.h>
#include <string.h>
#include "pinaudit.h"
#include "report_util.h"

/*
 * Kernel-side strings (a task's comm, a mount point, a device name) are anyone's to choose: a
 * newline in one would forge a report line, or a KTAP result. Control bytes, backslashes and
 * bytes >= 0x7f are written as \xNN; the result is one line of printable ASCII.
 */
const char *report__escape(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return "";
	for (; *s && n + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[n++] = (char)c;
		} else if (n + 5 < len) {
			snprintf(buf + n, len - n, "\\x%02x", c);
			n += 4;
		} else {
			break;
		}
	}
	buf[n] = 0;
	return buf;
}

void report__origin_label(const struct origin *o, char *buf, size_t len)
{
	char dev[32], fs[64], src[96], mnt[384], path[192];
	const char *other;
	bool anon;

	report__escape(o->fs, fs, sizeof(fs));
	report__escape(o->source, src, sizeof(src));
	report__escape(o->mount, mnt, sizeof(mnt));
	report__escape(o->path, path, sizeof(path));
	/* another process's references, beside the command's */
	other = o->owner == PA_OWNER_OTHER ? " (other)" : "";
	if (!o->fs[0]) {
		snprintf(buf, len, "%s%s", o->path[0] ? path : "(unknown)", other);
		return;
	}
	origin__dev_name(o, dev, sizeof(dev));
	/* a file system on no device (NFS, FUSE...) has its anonymous device as s_id: once */
	anon = !strcmp(src, dev);
	snprintf(buf, len, "%s%s%s %s%s%s%s", fs, anon ? "" : " ", anon ? "" : src, dev,
		 o->mount[0] ? " " : "", mnt, other);
}
