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
#include "help.h"
#include "json.h"
#include "kmeans.h"
#include "out.h"
#include "rng.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-kmeans [--rules FILE] [-k K] [--features LIST] [--log1p | --no-log1p]\n"
	"                  [--seed S] [--n-init N] [--max-iter N] [--tol T]\n"
	"                  [--profile | --elbow LO-HI | --json [--elbow LO-HI]] [--stats]\n"
	"                  [-o FILE] [FILE]";

static const HelpOpt help[] = {
	{ "--rules FILE", "rules over the built-in defaults" },
	{ "-k K", "clusters (kmeans.k)" },
	{ "--features LIST", "comma-separated numeric columns (kmeans.features)" },
	{ "--log1p", "take log(1 + x) of the features (kmeans.log1p)" },
	{ "--no-log1p", "use the features as they are" },
	{ "--seed S", "the seed (kmeans.seed)" },
	{ "--n-init N", "runs from different starts; the best is kept (kmeans.n_init)" },
	{ "--max-iter N", "iterations of one run at most (kmeans.max_iter)" },
	{ "--tol T", "stop when centres move less than this (kmeans.tol)" },
	{ "--profile", "write a profile per cluster instead of the rows" },
	{ "--elbow LO-HI", "write inertia and silhouette for every k from LO to HI" },
	{ "--json", "write the document crm-report reads" },
	{ "--stats", "report each run's iterations and inertia on stderr" },
	{ "-o FILE", "write to FILE (a temporary file renamed at the end)" },
	{ NULL, NULL },
};

/* ---- options ---- */

static int64_t opt_int(const char *name, const char *s, int64_t lo, int64_t hi)
{
	uint64_t v;
	if (parse_uint(s, (uint64_t)hi, &v) || (int64_t)v < lo)
		usage_fail(usage_text, "%s: '%s' is not a whole number from %lld to %lld", name, s,
			   (long long)lo, (long long)hi);
	return (int64_t)v;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	const char *rules_path = NULL, *output = "-", *features = NULL, *elbow = NULL;
	const char *k_s = NULL, *seed_s = NULL, *ninit_s = NULL, *iter_s = NULL, *tol_s = NULL;
	int log1p_opt = -1, profile = 0, json = 0, stats = 0;
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "features", required_argument, NULL, 'f' },
		{ "log1p", no_argument, NULL, 'l' },
		{ "no-log1p", no_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 's' },
		{ "n-init", required_argument, NULL, 'n' },
		{ "max-iter", required_argument, NULL, 'i' },
		{ "tol", required_argument, NULL, 't' },
		{ "elbow", required_argument, NULL, 'e' },
		{ "profile", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "hk:o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': rules_path = optarg; break;
		case 'f': features = optarg; break;
		case 'l': log1p_opt = 1; break;
		case 'L': log1p_opt = 0; break;
		case 's': seed_s = optarg; break;
		case 'n': ninit_s = optarg; break;
		case 'i': iter_s = optarg; break;
		case 't': tol_s = optarg; break;
		case 'e': elbow = optarg; break;
		case 'p': profile = 1; break;
		case 'j': json = 1; break;
		case 'S': stats = 1; break;
		case 'k': k_s = optarg; break;
		case 'o': output = optarg; break;
		case 'h':
			help_exit(usage_text, help);
		case 'V':
			printf("crm-kmeans %s\n", CRM_VERSION);
			return 0;
		default:
			usage_fail(usage_text, NULL);
		}
	}
	if (argc - optind > 1)
		usage_fail(usage_text, "one input at most");
	if (profile && (json || elbow))
		usage_fail(usage_text, "--profile goes alone; --json holds the profile");
	RulesCache rc;
	rules_cache_open(&rc, rules_path);
	const KmeansRules *kr = &rc.kmeans;
	Params P = { 0 };
	P.stats = stats;
	int k = k_s ? (int)opt_int("-k", k_s, 1, 1000) : kr->k;
	P.n_init = ninit_s ? (int)opt_int("--n-init", ninit_s, 1, 1000) : kr->n_init;
	P.max_iter = iter_s ? (int)opt_int("--max-iter", iter_s, 1, 1000000) : kr->max_iter;
	P.seed = seed_s ? (uint64_t)opt_int("--seed", seed_s, 0, 4294967295LL) : kr->seed;
	if (tol_s) {
		char *end;
		P.tol = strtod(tol_s, &end);
		if (*end || !(P.tol >= 0) || !isfinite(P.tol))
			usage_fail(usage_text, "--tol: '%s' is not a number >= 0", tol_s);
	} else {
		P.tol = (double)kr->tol / 1e6;
	}
	int elo = 0, ehi = 0;
	if (elbow) {
		int used = 0;
		if (sscanf(elbow, "%d-%d%n", &elo, &ehi, &used) != 2 || elbow[used] || elo < 1 || ehi < elo ||
		    ehi > 1000)
			if (sscanf(elbow, "%d..%d%n", &elo, &ehi, &used) != 2 || elbow[used] || elo < 1 ||
			    ehi < elo || ehi > 1000)
				usage_fail(usage_text, "--elbow: '%s' is not a range of k such as 2-8", elbow);
	}
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
	out_create(&o, output);
	const char *path = optind < argc ? argv[optind] : "-";
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
	if (stats)
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
