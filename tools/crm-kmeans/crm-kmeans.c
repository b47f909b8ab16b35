/* crm-kmeans: k-means segmentation of a customer table.
 *
 * Reads any TSV with a header (crm-rfm's rows, say), takes the feature
 * columns, optionally log1p, standardizes them (z-scores), and clusters them
 * with k-means++ starts and Lloyd iterations; the lowest inertia of n_init
 * runs is kept. Writes the input rows with `cluster` and `cluster_name`
 * added, or a profile, an elbow table or a JSON document for the dashboard.
 *
 * Determinism: every random choice comes from the seed (each run from its
 * own stream, seed and run number), and every sum over rows is taken chunk
 * by chunk in row order, so the same input and seed give the same bytes. */
#include "brandrules.h"
#include "hash.h"
#include "json.h"
#include "kmeans.h"
#include "opt.h"
#include "out.h"
#include "rng.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-kmeans [--rules FILE] [-k K] [--features LIST] [--log1p | --no-log1p]\n"
	"                  [--seed S] [--n-init N] [--max-iter N] [--tol T]\n"
	"                  [--profile | --elbow LO-HI | --json [--elbow LO-HI]] [--stats]\n"
	"                  [-o FILE] [FILE]";

/* ---- options ---- */

/* A --tol: the value, and whether it was given. */
typedef struct {
	double v;
	int given;
} OptTol;

/* opt_tol reads --tol T, a finite number >= 0, into the OptTol at DST. */
static const char *opt_tol(const char *s, void *dst)
{
	OptTol *t = dst;
	char *end;
	t->v = strtod(s, &end);
	if (*end || !(t->v >= 0) || !isfinite(t->v))
		return "is not a number >= 0";
	t->given = 1;
	return NULL;
}

/* opt_elbow reads --elbow LO-HI (or LO..HI), 1 <= LO <= HI <= 1000, into
 * the two ints at DST. */
static const char *opt_elbow(const char *s, void *dst)
{
	int *k = dst, used = 0;
	if (sscanf(s, "%d-%d%n", &k[0], &k[1], &used) != 2 || s[used] || k[0] < 1 || k[1] < k[0] ||
	    k[1] > 1000)
		if (sscanf(s, "%d..%d%n", &k[0], &k[1], &used) != 2 || s[used] || k[0] < 1 || k[1] < k[0] ||
		    k[1] > 1000)
			return "is not a range of k such as 2-8";
	return NULL;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *features = NULL;
	OptTol tol = { 0, 0 };
	int elbow_k[2] = { 0, 0 };
	OptUint k_o = { 1, 1000, 0, 0 }, ninit_o = { 1, 1000, 0, 0 }, iter_o = { 1, 1000000, 0, 0 };
	OptUint seed_o = { 0, 4294967295u, 0, 0 };
	int log1p_opt = -1, profile = 0, json = 0;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ NULL, 'k', "K", opt_uint, &k_o, 0, "clusters (kmeans.k)" },
		{ "features", 0, "LIST", opt_str, &features, 0, "comma-separated numeric columns (kmeans.features)" },
		{ "log1p", 0, NULL, NULL, &log1p_opt, 1, "take log(1 + x) of the features (kmeans.log1p)" },
		{ "no-log1p", 0, NULL, NULL, &log1p_opt, 0, "use the features as they are" },
		{ "seed", 0, "S", opt_uint, &seed_o, 0, "the seed (kmeans.seed)" },
		{ "n-init", 0, "N", opt_uint, &ninit_o, 0, "runs from different starts; the best is kept (kmeans.n_init)" },
		{ "max-iter", 0, "N", opt_uint, &iter_o, 0, "iterations of one run at most (kmeans.max_iter)" },
		{ "tol", 0, "T", opt_tol, &tol, 0, "stop when centres move less than this (kmeans.tol)" },
		{ "profile", 0, NULL, NULL, &profile, 1, "write a profile per cluster instead of the rows" },
		{ "elbow", 0, "LO-HI", opt_elbow, elbow_k, 0, "write inertia and silhouette for every k from LO to HI" },
		{ "json", 0, NULL, NULL, &json, 1, "write the document crm-report reads" },
		OPT_STATS(&c, "report each run's iterations and inertia on stderr"),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	int elbow = elbow_k[1] > 0, elo = elbow_k[0], ehi = elbow_k[1];
	if (argc - first > 1)
		usage_fail(usage_text, "one input at most");
	if (profile && (json || elbow))
		usage_fail(usage_text, "--profile goes alone; --json holds the profile");
	RulesCache rc;
	rules_cache_open(&rc, c.rules);
	const KmeansRules *kr = &rc.kmeans;
	Params P = { 0 };
	P.stats = c.stats;
	int k = k_o.given ? (int)k_o.v : kr->k;
	P.n_init = ninit_o.given ? (int)ninit_o.v : kr->n_init;
	P.max_iter = iter_o.given ? (int)iter_o.v : kr->max_iter;
	P.seed = seed_o.given ? seed_o.v : kr->seed;
	P.tol = tol.given ? tol.v : (double)kr->tol / 1e6;
	size_t sil_limit = kr->silhouette_sample;

	Data D = { 0 };
	D.log1p = log1p_opt >= 0 ? log1p_opt : kr->log1p;
	char **feat;
	size_t nfeat;
	if (features) {
		char *copy = xstrdup(features);
		nfeat = 0;
		feat = xmalloc((strlen(features) / 2 + 2) * sizeof *feat);
		for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			feat[nfeat++] = xstrdup(tok);
		feat[nfeat] = NULL;
		free(copy);
	} else {
		nfeat = kr->nfeatures;
		feat = xmalloc((nfeat + 1) * sizeof *feat);
		for (size_t i = 0; i < nfeat; i++)
			feat[i] = xstrdup(kr->features[i]);
		feat[nfeat] = NULL;
	}
	if (nfeat == 0)
		usage_fail(usage_text, "--features: no feature columns");
	for (size_t i = 0; i < nfeat; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(feat[i], feat[j]) == 0)
				usage_fail(usage_text, "--features: '%s' is named twice", feat[i]);
	rfm_columns(&D, feat, nfeat);

	Out o;
	out_create(&o, c.output);
	const char *path = first < argc ? argv[first] : "-";
	read_data(&D, path, feat, nfeat);
	if (D.has_cluster_col && !profile && !json && !elbow)
		die("%s: the input has a 'cluster' or 'cluster_name' column already", D.name);
	/* The largest k asked for: the elbow's, and k itself unless the elbow
	 * table is all that is written. */
	int kmax = elbow && (ehi > k || !json) ? ehi : k;
	if ((size_t)kmax > D.n)
		die("%s: k = %d clusters need at least %d rows; there are %zu", D.name, kmax, kmax, D.n);
	standardize(&D);
	/* Rows equal in every feature are one point: k-means cannot make more
	 * clusters than there are points, so k comes down to their number. */
	size_t nd = distinct(&D, (size_t)kmax);
	if (elbow && (size_t)ehi > nd) {
		if ((size_t)elo > nd)
			warn("%s: only %zu distinct point%s: --elbow %d-%d has no k to try", D.name, nd,
			     nd == 1 ? "" : "s", elo, ehi);
		else
			warn("%s: only %zu distinct point%s: --elbow %d-%d stops at k = %zu", D.name, nd,
			     nd == 1 ? "" : "s", elo, ehi, nd);
		ehi = (int)nd;
	}
	if ((json || !elbow) && (size_t)k > nd) {
		warn("%s: only %zu distinct point%s: k reduced from %d to %zu", D.name, nd, nd == 1 ? "" : "s",
		     k, nd);
		k = (int)nd;
	}

	ElbowRow *er = NULL;
	int ne = 0;
	if (elbow) {
		er = xmalloc((size_t)(ehi >= elo ? ehi - elo + 1 : 1) * sizeof *er);
		for (int kk = elo; kk <= ehi; kk++) {
			Fit f;
			kmeans(&D, kk, &P, &f);
			er[ne++] = (ElbowRow){ kk, f.inertia, kk > 1 ? silhouette(&D, &f, sil_limit, P.seed) : 0 };
			fit_free(&f);
		}
		if (!json) {
			write_elbow(&o, er, ne);
			out_close(&o);
			free(er);
			data_free(&D);
			rules_list_free(feat);
			rules_cache_close(&rc);
			return 0;
		}
	}
	Fit best;
	kmeans(&D, k, &P, &best);
	Cluster *cl = describe(&D, &best, kr);
	if (c.stats)
		fprintf(stderr, "crm-kmeans: %zu rows, k %d: best of %d runs is run %d, %d iterations, "
			"inertia %.6f\n", D.n, k, P.n_init, best.run + 1, best.iter, best.inertia);
	if (profile)
		write_profile(&o, &D, &best, cl);
	else if (json)
		write_json(&o, &D, &best, cl, &P, er, ne);
	else
		write_rows(&o, &D, &best, cl);
	out_close(&o);
	clusters_free(cl, best.k);
	fit_free(&best);
	free(er);
	data_free(&D);
	rules_list_free(feat);
	rules_cache_close(&rc);
	return 0;
}
