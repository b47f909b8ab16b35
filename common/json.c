#include "json.h"
#include "money.h"

#include <string.h>

size_t utf8_next(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;
	if (c < 0x80)
		return 1;
	/* The lead byte fixes the length and the range of the second byte
	 * (Unicode 15, table 3-7): no overlong forms, no surrogates, nothing
	 * past U+10FFFF. */
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c == 0xe0)
		need = 2, lo = 0xa0;
	else if (c == 0xed)
		need = 2, hi = 0x9f;
	else if (c >= 0xe1 && c <= 0xef)
		need = 2;
	else if (c == 0xf0)
		need = 3, lo = 0x90;
	else if (c == 0xf4)
		need = 3, hi = 0x8f;
	else if (c >= 0xf1 && c <= 0xf3)
		need = 3;
	else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t bad;
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_next(u + i, n - i, &bad)))
			return 0;
	return 1;
}

void json_str(Out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	out_char(o, '"');
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c >= 0x80) {
			size_t bad, k = utf8_next(u + i, n - i, &bad);
			if (k) {
				i += k;
				continue;
			}
			/* Each maximal ill-formed subpart becomes one U+FFFD, as
			 * in the Unicode standard's recommended practice. */
			out_write(o, s + run, i - run);
			out_write(o, "\xef\xbf\xbd", 3);
			i += bad;
			run = i;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		out_write(o, s + run, i - run);
		run = ++i;
		char e[6] = { '\\', 0 };
		switch (c) {
		case '"': e[1] = '"'; out_write(o, e, 2); break;
		case '\\': e[1] = '\\'; out_write(o, e, 2); break;
		case '\n': e[1] = 'n'; out_write(o, e, 2); break;
		case '\r': e[1] = 'r'; out_write(o, e, 2); break;
		case '\t': e[1] = 't'; out_write(o, e, 2); break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			out_write(o, e, 6);
		}
	}
	out_write(o, s + run, n - run);
	out_char(o, '"');
}

void json_cstr(Out *o, const char *s)
{
	json_str(o, s, strlen(s));
}

void json_fixed(Out *o, int64_t v, int d)
{
	char *p = out_reserve(o, 24);
	o->len += fixed_fmt(p, v, d);
}

void json_key(Out *o, const char *name, int first)
{
	if (!first)
		out_char(o, ',');
	json_cstr(o, name);
	out_char(o, ':');
}
