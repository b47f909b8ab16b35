/* crm-report: the dashboard, one static HTML file that opens from file://
 * with no server and no network.
 *
 * The page (dashboard.html, compiled in) holds its styles, Chart.js (from
 * Debian's libjs-chart.js, compiled in at build time) and the page's script
 * (dashboard.js), which draws the charts from the crm-json document
 * embedded in it; the documents of crm-rfm --json and crm-kmeans --json,
 * when given, add the segments page, and those of crm-clv, crm-model and
 * crm-target the value, model and targeting pages (pages.js). Each document is checked first (doc.c): a page is
 * written only from documents of the right kinds. */
#include "doc.h"
#include "opt.h"
#include "out.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-report [--rfm FILE] [--kmeans FILE] [--value FILE] [--model FILE]\n"
	"                  [--target FILE] [-o FILE] [FILE]";

extern const char dashboard_html[], dashboard_js[], pages_js[], chart_js[];

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
static const DocMember value_members[] = {
	{ "as_of", '"' }, { "currency", '"' }, { "customers", '0' }, { "clv_total", '0' }, { "by_tier", '[' },
	{ "by_segment", '[' }, { "p_alive_grid", '{' }, { "tracking", '{' }, { NULL, 0 },
};
static const DocMember model_members[] = {
	{ "target", '"' }, { "rows", '{' }, { "economics", '{' }, { "scorers", '[' }, { NULL, 0 },
};
/* A plan's "as_of" is null when crm-target took each customer's latest
 * score and tier: it is shown as such. */
static const DocMember target_members[] = {
	{ "method", '"' }, { "brands", '[' }, { NULL, 0 },
};
/* crm-kmeans --json carries no rules fingerprint: its input, crm-rfm's
 * table, was checked against the rules when it was made. */
static const DocKind signals_kind = { "crm-json/1", NULL, "crm-json", signals_members, "rules" };
static const DocKind rfm_kind = { "crm-rfm/1", "--rfm", "crm-rfm --json", rfm_members, "rules_id" };
static const DocKind kmeans_kind = { "crm-kmeans/1", "--kmeans", "crm-kmeans --json", kmeans_members, NULL };
static const DocKind value_kind = { "crm-clv/1", "--value", "crm-clv --json", value_members, "rules" };
static const DocKind model_kind = { "crm-model-eval/1", "--model", "crm-model eval", model_members, "rules" };
static const DocKind target_kind = { "crm-target/1", "--target", "crm-target --json", target_members, "rules_id" };

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

/* The marks of the page template and what crm-report writes in their place:
 * a document (JSON, escaped for a <script> element) or a script compiled in. */
enum { DOC_SIGNALS, DOC_RFM, DOC_KMEANS, DOC_VALUE, DOC_MODEL, DOC_TARGET, NDOC };
static const struct {
	const char *mark;
	int doc;           /* a document's index, or -1 for a script */
	const char *text;  /* the script */
} marks[] = {
	{ "/*DATA*/", DOC_SIGNALS, NULL }, { "/*RFM*/", DOC_RFM, NULL },
	{ "/*KMEANS*/", DOC_KMEANS, NULL }, { "/*VALUE*/", DOC_VALUE, NULL },
	{ "/*MODEL*/", DOC_MODEL, NULL }, { "/*TARGET*/", DOC_TARGET, NULL },
	{ "/*CHARTJS*/", -1, chart_js }, { "/*SCRIPT*/", -1, dashboard_js }, { "/*PAGES*/", -1, pages_js },
};
enum { NMARK = sizeof marks / sizeof marks[0] };

/* write_page writes the template with each mark replaced: DOCS[i] (its text and
 * length) for a document's mark, the compiled-in script for a script's. */
static void write_page(Out *o, const Doc docs[NDOC])
{
	const char *p = dashboard_html;
	for (;;) {
		const char *next = NULL;
		size_t which = 0;
		for (size_t i = 0; i < NMARK; i++) {
			const char *q = strstr(p, marks[i].mark);
			if (q && (!next || q < next)) {
				next = q;
				which = i;
			}
		}
		if (!next) {
			out_str(o, p);
			return;
		}
		out_write(o, p, (size_t)(next - p));
		if (marks[which].doc >= 0)
			put_json(o, docs[marks[which].doc].text, docs[marks[which].doc].len);
		else
			out_str(o, marks[which].text);
		p = next + strlen(marks[which].mark);
	}
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *rfm = NULL, *kmeans = NULL, *value = NULL, *model = NULL, *target = NULL;
	const Opt opts[] = {
		{ "rfm", 0, "FILE", opt_str, &rfm, 0, "add the segments of crm-rfm --json" },
		{ "kmeans", 0, "FILE", opt_str, &kmeans, 0, "add the clusters of crm-kmeans --json" },
		{ "value", 0, "FILE", opt_str, &value, 0, "add the value page: crm-clv --json" },
		{ "model", 0, "FILE", opt_str, &model, 0, "add the model page: crm-model eval" },
		{ "target", 0, "FILE", opt_str, &target, 0, "add the targeting page: crm-target --json" },
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (argc - first > 1)
		usage_fail(usage_text, "one crm-json document at most");
	Doc docs[NDOC];
	doc_read(first < argc ? argv[first] : "-", &signals_kind, &docs[DOC_SIGNALS]);
	const char *paths[NDOC] = { [DOC_RFM] = rfm, [DOC_KMEANS] = kmeans, [DOC_VALUE] = value,
				    [DOC_MODEL] = model, [DOC_TARGET] = target };
	const DocKind *kinds[NDOC] = { [DOC_RFM] = &rfm_kind, [DOC_KMEANS] = &kmeans_kind, [DOC_VALUE] = &value_kind,
				       [DOC_MODEL] = &model_kind, [DOC_TARGET] = &target_kind };
	for (int d = 1; d < NDOC; d++) {
		if (!paths[d]) {
			docs[d] = (Doc){ .text = xstrdup("null"), .len = 4 };
			continue;
		}
		doc_read(paths[d], kinds[d], &docs[d]);
		/* A page mixing figures made with other rules would show them
		 * side by side as if one rules file had made them. */
		if (docs[d].rules_id[0] && strcmp(docs[d].rules_id, docs[DOC_SIGNALS].rules_id) != 0)
			die("%s: made with rules %s, the signals document with rules %s: give %s a document made with the same rules",
			    paths[d], docs[d].rules_id, docs[DOC_SIGNALS].rules_id, kinds[d]->option);
	}

	Out o;
	out_create(&o, c.output);
	write_page(&o, docs);
	out_close(&o);
	for (int d = 0; d < NDOC; d++)
		free(docs[d].text);
	return 0;
}
