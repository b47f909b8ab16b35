#include "json.h"
#include "money.h"

#include <string.h>

void json_str(Out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	out_char(o, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		out_write(o, s + run, i - run);
		run = i + 1;
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
