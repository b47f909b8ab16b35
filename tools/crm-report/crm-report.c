/* crm-report: the dashboard, one static HTML file that opens from file://
 * with no server and no network.
 *
 * The page (dashboard.html, compiled in) holds its styles and a small script
 * that draws the charts as SVG from the crm-json document embedded in it;
 * the documents of crm-rfm --json and crm-kmeans --json, when given, add the
 * segment pictures. Each document is checked first (doc.c): a page is
 * written only from documents of the right kinds. */
#include "doc.h"
#include "opt.h"
#include "out.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-report [--rfm FILE] [--kmeans FILE] [-o FILE] [FILE]";

extern const char dashboard_html[];

/* The documents and the members the page draws from. */
static const DocMember signals_members[] = {
	{ "rules", '{' }, { "input", '{' }, { "tiers", '[' }, { "inactive_tier", '"' }, { "series", '[' },
	{ NULL, 0 },
};
static const DocMember rfm_members[] = {
	{ "as_of", '"' }, { "brands", '[' }, { NULL, 0 },
};
static const DocMember kmeans_members[] = {
	{ "rows", '0' }, { "k", '0' }, { "features", '[' }, { "log1p", 't' }, { "inertia", '0' },
	{ "clusters", '[' }, { "elbow", '[' }, { "points", '[' }, { NULL, 0 },
};
static const DocKind signals_kind = { "crm-json/1", NULL, "crm-json", signals_members };
static const DocKind rfm_kind = { "crm-rfm/1", "--rfm", "crm-rfm --json", rfm_members };
static const DocKind kmeans_kind = { "crm-kmeans/1", "--kmeans", "crm-kmeans --json", kmeans_members };

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
	OptCommon c;
	opt_common_init(&c);
	const char *rfm = NULL, *kmeans = NULL;
	const Opt opts[] = {
		{ "rfm", 0, "FILE", opt_str, &rfm, 0, "add the segments of crm-rfm --json" },
		{ "kmeans", 0, "FILE", opt_str, &kmeans, 0, "add the clusters of crm-kmeans --json" },
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (argc - first > 1)
		usage_fail(usage_text, "one crm-json document at most");
	size_t n, nr = 4, nk = 4;
	char *doc = doc_read(first < argc ? argv[first] : "-", &signals_kind, &n);
	char *rdoc = rfm ? doc_read(rfm, &rfm_kind, &nr) : xstrdup("null");
	char *kdoc = kmeans ? doc_read(kmeans, &kmeans_kind, &nk) : xstrdup("null");

	static const struct { const char *mark; int which; } marks[] = {
		{ "/*DATA*/", 0 }, { "/*RFM*/", 1 }, { "/*KMEANS*/", 2 },
	};
	Out o;
	out_create(&o, c.output);
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
