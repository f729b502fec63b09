/* text.c - clean text for JSON and terminals (see text.h). */
#include "common/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at s and its code point, or 0 when
 * the byte at s does not start one (overlong forms, surrogates and code
 * points past U+10FFFF are invalid, as the standard says). */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, *cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, *cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, *cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

static int unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* What the character at s becomes: its own bytes (*out = s), one space,
 * or U+FFFD; *used is how many input bytes it takes. */
static size_t map(const char *s, int flags, const char **out, size_t *used)
{
	uint32_t cp;
	size_t n = decode((const unsigned char *)s, &cp);
	*used = n ? n : 1;
	if (n && (cp == '\n' || cp == '\t' || cp == '\r') && (flags & TEXT_ONE_LINE)) {
		*out = " ";
		return 1;
	}
	if (n && (cp == '\n' || cp == '\t' || !unsafe(cp))) {
		*out = s;
		return n;
	}
	*out = replacement;
	return sizeof(replacement) - 1;
}

char *text_clean(char *dst, size_t len, const char *src, int flags)
{
	if (!len)
		return dst;
	/* In place, the output can run ahead of the input (U+FFFD is three
	 * bytes for one): work from a copy. */
	char *copy = NULL;
	if (dst == src) {
		copy = strdup(src);
		if (!copy) { /* keep what is certainly safe: ASCII text */
			for (char *p = dst; *p; p++)
				if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
					*p = '?';
			return dst;
		}
		src = copy;
	}
	size_t o = 0;
	while (*src) {
		const char *bytes;
		size_t used, n = map(src, flags, &bytes, &used);
		if (o + n >= len)
			break;
		memcpy(dst + o, bytes, n);
		o += n;
		src += used;
	}
	dst[o] = 0;
	free(copy);
	return dst;
}

char *text_clean_n(char *dst, size_t len, const volatile char *src, size_t srclen, int flags)
{
	char *copy = malloc(srclen + 1);
	if (!copy) {
		if (len)
			dst[0] = 0;
		return dst;
	}
	for (size_t i = 0; i < srclen; i++)
		copy[i] = src[i];
	copy[srclen] = 0;
	text_clean(dst, len, copy, flags);
	free(copy);
	return dst;
}

int text_is_clean(const char *s, int flags)
{
	while (*s) {
		const char *bytes;
		size_t used, n = map(s, flags, &bytes, &used);
		if (bytes != s || n != used)
			return 0;
		s += used;
	}
	return 1;
}
