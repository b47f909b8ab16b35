/* doc: reading and checking the documents crm-report embeds. The page
 * parses them with JSON.parse and draws from their members: a document that
 * is not JSON, or of another kind, would leave a page that stops with a
 * script error, so it is refused here, naming the file. */
#include "doc.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 512 };

/* The parser's state: the text, the place, and the top-level members
 * (offsets of name and value). */
typedef struct {
	const char *s;
	size_t n, i;
	const char *path;
	struct Member {
		size_t name, name_n, value;
	} *top;
	size_t ntop, topcap;
} Parse;

/* bad stops on a syntax error at the current byte; at the end of the text
 * the document was cut short. */
static noreturn void bad(const Parse *p, const char *what)
{
	if (p->i >= p->n)
		die("%s: not a whole JSON document (cut short?)", p->path);
	die("%s: not valid JSON: byte %zu: %s", p->path, p->i + 1, what);
}

/* skip_ws moves past JSON white space. */
static void skip_ws(Parse *p)
{
	while (p->i < p->n && strchr(" \t\n\r", p->s[p->i]) && p->s[p->i])
		p->i++;
}

/* at tells whether the current byte is C (never past the end). */
static int at(const Parse *p, char c)
{
	return p->i < p->n && p->s[p->i] == c;
}

/* expect moves past C, or stops with WHAT. */
static void expect(Parse *p, char c, const char *what)
{
	if (!at(p, c))
		bad(p, what);
	p->i++;
}

/* parse_string reads a string; *BODY and *BODY_N get its text between
 * the quotes, escapes as written. */
static void parse_string(Parse *p, size_t *body, size_t *body_n)
{
	expect(p, '"', "expected a string");
	*body = p->i;
	for (;;) {
		if (p->i >= p->n)
			bad(p, "");
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"')
			break;
		if (c < 0x20)
			bad(p, "a control character in a string");
		if (c == '\\') {
			p->i++;
			if (at(p, 'u')) {
				for (int k = 0; k < 4; k++) {
					p->i++;
					if (p->i >= p->n || !strchr("0123456789abcdefABCDEF", p->s[p->i]) ||
					    !p->s[p->i])
						bad(p, "a \\u escape needs 4 hex digits");
				}
			} else if (p->i >= p->n || !strchr("\"\\/bfnrt", p->s[p->i]) || !p->s[p->i]) {
				bad(p, "an unknown escape in a string");
			}
		}
		p->i++;
	}
	*body_n = p->i - *body;
	p->i++;
}

/* digit tells whether the current byte is a decimal digit. */
static int digit(const Parse *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

/* parse_number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static void parse_number(Parse *p)
{
	if (at(p, '-'))
		p->i++;
	if (at(p, '0'))
		p->i++;
	else if (digit(p))
		while (digit(p))
			p->i++;
	else
		bad(p, "expected a value");
	if (at(p, '.')) {
		p->i++;
		if (!digit(p))
			bad(p, "expected a digit after the decimal point");
		while (digit(p))
			p->i++;
	}
	if (at(p, 'e') || at(p, 'E')) {
		p->i++;
		if (at(p, '+') || at(p, '-'))
			p->i++;
		if (!digit(p))
			bad(p, "expected a digit in the exponent");
		while (digit(p))
			p->i++;
	}
}

static void parse_value(Parse *p, int depth);

/* parse_object reads an object at DEPTH (1: the document itself, whose
 * members are kept in P->top). */
static void parse_object(Parse *p, int depth)
{
	expect(p, '{', "expected an object");
	skip_ws(p);
	if (at(p, '}')) {
		p->i++;
		return;
	}
	for (;;) {
		skip_ws(p);
		size_t name, name_n;
		parse_string(p, &name, &name_n);
		skip_ws(p);
		expect(p, ':', "expected ':' after a member name");
		skip_ws(p);
		if (depth == 1) {
			if (p->ntop == p->topcap) {
				p->topcap = p->topcap ? p->topcap * 2 : 16;
				p->top = xrealloc(p->top, p->topcap * sizeof *p->top);
			}
			p->top[p->ntop++] = (struct Member){ name, name_n, p->i };
		}
		parse_value(p, depth);
		skip_ws(p);
		if (at(p, '}')) {
			p->i++;
			return;
		}
		expect(p, ',', "expected ',' or '}' in an object");
	}
}

/* parse_array reads an array at DEPTH. */
static void parse_array(Parse *p, int depth)
{
	expect(p, '[', "expected an array");
	skip_ws(p);
	if (at(p, ']')) {
		p->i++;
		return;
	}
	for (;;) {
		skip_ws(p);
		parse_value(p, depth);
		skip_ws(p);
		if (at(p, ']')) {
			p->i++;
			return;
		}
		expect(p, ',', "expected ',' or ']' in an array");
	}
}

/* parse_value reads one value; DEPTH counts the objects and arrays around
 * it, bounded so that no document can exhaust the stack. */
static void parse_value(Parse *p, int depth)
{
	if (depth >= MAX_DEPTH)
		bad(p, "nested too deep");
	if (p->i >= p->n)
		bad(p, "");
	static const char *const word[3] = { "true", "false", "null" };
	switch (p->s[p->i]) {
	case '{': parse_object(p, depth + 1); return;
	case '[': parse_array(p, depth + 1); return;
	case '"': {
		size_t b, bn;
		parse_string(p, &b, &bn);
		return;
	}
	case 't':
	case 'f':
	case 'n':
		for (int w = 0; w < 3; w++) {
			size_t len = strlen(word[w]);
			if (p->n - p->i >= len && memcmp(p->s + p->i, word[w], len) == 0) {
				p->i += len;
				return;
			}
		}
		if (p->n - p->i < 5)
			p->i = p->n; /* a word cut short */
		bad(p, "expected a value");
	default:
		parse_number(p);
	}
}

/* member finds the top-level member NAME; NULL when there is none. */
static const struct Member *member(const Parse *p, const char *name)
{
	size_t len = strlen(name);
	for (size_t j = 0; j < p->ntop; j++)
		if (p->top[j].name_n == len && memcmp(p->s + p->top[j].name, name, len) == 0)
			return &p->top[j];
	return NULL;
}

/* check_kind refuses a document of another kind, or one without a member
 * the page draws from. */
static void check_kind(const Parse *p, const DocKind *k)
{
	const char *who = k->option ? k->option : "crm-report";
	const struct Member *m = member(p, "schema");
	if (!m || p->s[m->value] != '"')
		die("%s: a JSON document with no \"schema\"; %s needs %s (%s writes it)", p->path, who,
		    k->schema, k->writer);
	const char *v = p->s + m->value + 1;
	size_t vn = strcspn(v, "\"");
	if (vn != strlen(k->schema) || memcmp(v, k->schema, vn) != 0)
		die("%s: a %.*s document; %s needs %s (%s writes it)", p->path, (int)(vn < 60 ? vn : 60), v,
		    who, k->schema, k->writer);
	static const char *const type_name[] = { ['['] = "an array", ['{'] = "an object",
						 ['"'] = "a string", ['0'] = "a number",
						 ['t'] = "true or false" };
	for (const DocMember *d = k->members; d->name; d++) {
		m = member(p, d->name);
		char c = m ? p->s[m->value] : 0;
		int ok = m && (d->type == '0' ? c == '-' || (c >= '0' && c <= '9')
				 : d->type == 't' ? c == 't' || c == 'f'
				 : c == d->type);
		if (!m)
			die("%s: a %s document without \"%s\" (%s)", p->path, k->schema, d->name,
			    type_name[(unsigned char)d->type]);
		if (!ok)
			die("%s: a %s document whose \"%s\" is not %s", p->path, k->schema, d->name,
			    type_name[(unsigned char)d->type]);
	}
}

/* fingerprint copies the fingerprint of the rules the document was made with
 * into ID: the string member K->rules, or the "id" string of that member
 * when it is an object. */
static void fingerprint(Parse *p, const DocKind *k, char id[65])
{
	id[0] = '\0';
	if (!k->rules)
		return;
	const struct Member *m = member(p, k->rules);
	if (!m)
		die("%s: a %s document without \"%s\" (the rules fingerprint)", p->path, k->schema, k->rules);
	p->i = m->value;
	size_t body = 0, body_n = 0;
	int found = 0;
	if (at(p, '"')) {
		parse_string(p, &body, &body_n);
		found = 1;
	} else if (at(p, '{')) {
		/* The members of the object, one level down: "id" is the one. */
		p->i++;
		skip_ws(p);
		while (!found && !at(p, '}')) {
			size_t name, name_n;
			parse_string(p, &name, &name_n);
			skip_ws(p);
			expect(p, ':', "expected ':' after a member name");
			skip_ws(p);
			if (name_n == 2 && memcmp(p->s + name, "id", 2) == 0 && at(p, '"')) {
				parse_string(p, &body, &body_n);
				found = 1;
			} else {
				parse_value(p, 1);
			}
			skip_ws(p);
			if (at(p, ','))
				p->i++;
			skip_ws(p);
		}
	}
	if (!found || body_n == 0 || body_n > 64 || memchr(p->s + body, '\\', body_n))
		die("%s: a %s document whose \"%s\" is not a rules fingerprint", p->path, k->schema, k->rules);
	memcpy(id, p->s + body, body_n);
	id[body_n] = '\0';
}

void doc_read(const char *path, const DocKind *kind, Doc *doc)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == stdin)
		path = "stdin";
	if (!f)
		die_errno("%s", path);
	size_t n;
	char *buf = fread_all(f, &n);
	if (!buf)
		die_errno("read error on %s", path);
	if (f != stdin)
		fclose(f);
	while (n && strchr(" \t\n\r", buf[n - 1]) && buf[n - 1])
		n--;
	Parse p = { .s = buf, .n = n, .path = path };
	skip_ws(&p);
	if (p.i == n)
		die("%s: empty, not a JSON document", path);
	if (!at(&p, '{'))
		die("%s: not a JSON object; %s needs %s (%s writes it)", path,
		    kind->option ? kind->option : "crm-report", kind->schema, kind->writer);
	parse_value(&p, 0);
	skip_ws(&p);
	if (p.i < n)
		die("%s: text after the end of the JSON document", path);
	check_kind(&p, kind);
	fingerprint(&p, kind, doc->rules_id);
	free(p.top);
	doc->text = buf;
	doc->len = n;
}
