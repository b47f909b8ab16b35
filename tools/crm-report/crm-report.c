/* crm-report: the dashboard, one static HTML file that opens from file://
 * with no server and no network.
 *
 * The page (dashboard.html, compiled in) holds its styles and a small script
 * that draws the charts as SVG from the crm-json document embedded in it;
 * the documents of crm-rfm --json and crm-kmeans --json, when given, add the
 * segment pictures. */
#include "out.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-report [--rfm FILE] [--kmeans FILE] [-o FILE] [FILE]";

extern const char dashboard_html[];

/* slurp reads a whole file ("-": stdin) and checks that it is one JSON
 * object whose brackets balance outside strings: enough to know it was
 * written whole by a crm tool. PREFIX, when given, must start it. */
static char *slurp(const char *path, const char *prefix, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == stdin)
		path = "stdin";
	if (!f)
		die_errno("%s", path);
	size_t cap = 1 << 16, n = 0, r;
	char *buf = xmalloc(cap);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0)
		if ((n += r) == cap)
			buf = xrealloc(buf, cap *= 2);
	if (ferror(f))
		die_errno("read error on %s", path);
	if (f != stdin)
		fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (prefix && (n < strlen(prefix) || memcmp(buf, prefix, strlen(prefix)) != 0))
		die("%s: not a document of the expected kind (it should start with %s)", path, prefix);
	int depth = 0, in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth < 0)
			break;
		else if (c == '\0')
			depth = -1;
		if (depth == 0 && i + 1 < n)
			die("%s: text after the end of the JSON document", path);
		if (depth < 0)
			break;
	}
	if (depth != 0 || in_str || !n || buf[0] != '{')
		die("%s: not a whole JSON document (cut short?)", path);
	*len = n;
	return buf;
}

/* put_json writes a JSON text inside a <script> element: "</" becomes
 * "<\/", the same string to a JSON parser, so no "</script>" ends it; the
 * "<" of "<!" and "<s" (any case) becomes "\u003c", so no "<!--" and
 * "<script" keep the element open past its end (HTML's script data
 * escaped states). */
static void put_json(Out *o, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '<')
			continue;
		if (s[i + 1] == '/') {
			out_write(o, s + run, i + 1 - run);
			out_char(o, '\\');
			run = i + 1;
		} else if (s[i + 1] == '!' || s[i + 1] == 's' || s[i + 1] == 'S') {
			out_write(o, s + run, i - run);
			out_str(o, "\\u003c");
			run = i + 1;
		}
	}
	out_write(o, s + run, n - run);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	const char *output = "-", *rfm = NULL, *kmeans = NULL;
	static const struct option longopts[] = {
		{ "rfm", required_argument, NULL, 'r' },
		{ "kmeans", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': rfm = optarg; break;
		case 'k': kmeans = optarg; break;
		case 'o': output = optarg; break;
		case 'h':
			printf("usage: %s\n", usage_text);
			return 0;
		case 'V':
			printf("crm-report %s\n", CRM_VERSION);
			return 0;
		default:
			usage_fail(usage_text, NULL);
		}
	}
	if (argc - optind > 1)
		usage_fail(usage_text, "one crm-json document at most");
	size_t n, nr = 4, nk = 4;
	char *doc = slurp(optind < argc ? argv[optind] : "-", "{\"schema\":\"crm-json/1\"", &n);
	char *rdoc = rfm ? slurp(rfm, NULL, &nr) : xstrdup("null");
	char *kdoc = kmeans ? slurp(kmeans, NULL, &nk) : xstrdup("null");

	static const struct { const char *mark; int which; } marks[] = {
		{ "/*DATA*/", 0 }, { "/*RFM*/", 1 }, { "/*KMEANS*/", 2 },
	};
	Out o;
	out_create(&o, output);
	const char *p = dashboard_html;
	for (;;) {
		const char *next = NULL;
		int which = -1;
		for (size_t i = 0; i < 3; i++) {
			const char *q = strstr(p, marks[i].mark);
			if (q && (!next || q < next)) {
				next = q;
				which = (int)i;
			}
		}
		if (!next) {
			out_str(&o, p);
			break;
		}
		out_write(&o, p, (size_t)(next - p));
		if (which == 0)
			put_json(&o, doc, n);
		else if (which == 1)
			put_json(&o, rdoc, nr);
		else
			put_json(&o, kdoc, nk);
		p = next + strlen(marks[which].mark);
	}
	out_close(&o);
	free(doc);
	free(rdoc);
	free(kdoc);
	return 0;
}
