/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PINAUDIT_TESTS_UTF8_STRICT_H
#define PINAUDIT_TESTS_UTF8_STRICT_H
/*
 * The tests' own UTF-8 check (the unit tests and fuzz_report), written apart from
 * src/json_writer.c's utf8_len() because that is what it checks. RFC 3629: shortest forms
 * only, no UTF-16 surrogates, nothing above U+10FFFF.
 */
#include <stddef.h>

/* length of the UTF-8 sequence at S, within LEFT bytes; 0 if it is not one */
static inline int utf8_strict_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int len, k;

	if (c < 0x80)
		return 1;
	len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!len || left < (size_t)len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return len;
}

#endif
