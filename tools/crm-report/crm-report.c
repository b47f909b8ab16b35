/* crm-report: the dashboard, one static HTML file that opens from file://
 * with no server and no network.
 *
 * The page (dashboard.html, compiled in) holds its styles and a small script
 * that draws the charts as SVG from the crm-json document embedded in it;
 * the documents of crm-rfm --json and crm-kmeans --json, when given, add the
 * segment pictures. Each document is checked first (doc.c): a page is
 * written only from documents of the right kinds. */
#include "doc.h"
#include "help.h"
#include "out.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-report [--rfm FILE] [--kmeans FILE] [-o FILE] [FILE]";

static const HelpOpt help[] = {
	{ "--rfm FILE", "add the segments of crm-rfm --json" },
	{ "--kmeans FILE", "add the clusters of crm-kmeans --json" },
	{ "-o FILE", "write to FILE (a temporary file renamed at the end)" },
	{ NULL, NULL },
};

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
	const char *output = "-", *rfm = NULL, *kmeans = NULL;
	static const struct option longopts[] = {
		{ "rfm", required_argument, NULL, 'r' },
		{ "kmeans", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': rfm = optarg; break;
		case 'k': kmeans = optarg; break;
		case 'o': output = optarg; break;
		case 'h':
			help_exit(usage_text, help);
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
	char *doc = doc_read(optind < argc ? argv[optind] : "-", &signals_kind, &n);
	char *rdoc = rfm ? doc_read(rfm, &rfm_kind, &nr) : xstrdup("null");
	char *kdoc = kmeans ? doc_read(kmeans, &kmeans_kind, &nk) : xstrdup("null");

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
