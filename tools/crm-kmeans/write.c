/* crm-kmeans: the rows with their clusters, the profile, and the --json
 * document. */
#include "kmeans.h"
#include "hash.h"
#include "json.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* put_num writes V to six significant digits. */
static void put_num(Out *o, double v)
{
	char b[64];
	int n = snprintf(b, sizeof b, "%.6g", v);
	out_write(o, b, (size_t)n);
}

void put_fix(Out *o, double v, int dec)
{
	char b[64];
	if (fabs(v) < 0.5 * pow(10, -dec))
		v = 0; /* no "-0.00" */
	int n = snprintf(b, sizeof b, "%.*f", dec, v);
	out_write(o, b, (size_t)n);
}

void write_rows(Out *o, const Data *D, const Fit *F, const Cluster *cl)
{
	out_str(o, D->header);
	out_str(o, "\tcluster\tcluster_name\n");
	for (size_t i = 0; i < D->n; i++) {
		out_write(o, D->text + D->off[i], D->off[i + 1] - D->off[i]);
		out_char(o, '\t');
		out_u64(o, F->label[i] + 1);
		out_char(o, '\t');
		out_str(o, cl[F->label[i]].name);
		out_char(o, '\n');
	}
}

void write_profile(Out *o, const Data *D, const Fit *F, const Cluster *cl)
{
	out_str(o, "cluster\tcluster_name\tcustomers\tshare");
	for (size_t t = 0; t < D->d; t++) {
		out_str(o, "\tmean_");
		out_str(o, D->names[t]);
		out_str(o, "\tmedian_");
		out_str(o, D->names[t]);
	}
	out_char(o, '\n');
	for (int j = 0; j < F->k; j++) {
		out_u64(o, (uint64_t)j + 1);
		out_char(o, '\t');
		out_str(o, cl[j].name);
		out_char(o, '\t');
		out_u64(o, cl[j].size);
		out_char(o, '\t');
		put_fix(o, (double)cl[j].size / (double)D->n, 4);
		for (size_t t = 0; t < D->d; t++) {
			out_char(o, '\t');
			put_fix(o, cl[j].mean[t], 2);
			out_char(o, '\t');
			put_fix(o, cl[j].median[t], 2);
		}
		out_char(o, '\n');
	}
}

typedef struct {
	uint64_t h;
	size_t i;
} Pick;


/* cmp_pick orders the sample: by hash, then by row. */
static int cmp_pick(const void *a, const void *b)
{
	const Pick *x = a, *y = b;
	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return (x->i > y->i) - (x->i < y->i);
}

void write_json(Out *o, const Data *D, const Fit *F, const Cluster *cl, const Params *P,
		       const ElbowRow *e, int ne)
{
	out_str(o, "{\"schema\":\"crm-kmeans/1\",\"generator\":\"crm-kmeans " CRM_VERSION "\",\"rows\":");
	out_u64(o, D->n);
	out_str(o, ",\"k\":");
	out_u64(o, (uint64_t)F->k);
	out_str(o, ",\"features\":[");
	for (size_t t = 0; t < D->d; t++) {
		if (t)
			out_char(o, ',');
		json_cstr(o, D->names[t]);
	}
	out_str(o, "],\"log1p\":");
	out_str(o, D->log1p ? "true" : "false");
	out_str(o, ",\"seed\":");
	out_u64(o, P->seed);
	out_str(o, ",\"n_init\":");
	out_u64(o, (uint64_t)P->n_init);
	out_str(o, ",\"inertia\":");
	put_fix(o, F->inertia, 4);
	out_str(o, ",\"clusters\":[");
	for (int j = 0; j < F->k; j++) {
		out_str(o, j ? ",\n{\"cluster\":" : "\n{\"cluster\":");
		out_u64(o, (uint64_t)j + 1);
		out_str(o, ",\"name\":");
		json_cstr(o, cl[j].name);
		out_str(o, ",\"customers\":");
		out_u64(o, cl[j].size);
		out_str(o, ",\"share\":");
		put_fix(o, (double)cl[j].size / (double)D->n, 4);
		static const char *const what[3] = { "mean", "median", "z_mean" };
		for (int w = 0; w < 3; w++) {
			out_str(o, ",\"");
			out_str(o, what[w]);
			out_str(o, "\":{");
			for (size_t t = 0; t < D->d; t++) {
				if (t)
					out_char(o, ',');
				json_cstr(o, D->names[t]);
				out_char(o, ':');
				put_fix(o, w == 0 ? cl[j].mean[t] : w == 1 ? cl[j].median[t] : cl[j].zmean[t],
					w == 2 ? 4 : 2);
			}
			out_char(o, '}');
		}
		out_char(o, '}');
	}
	out_str(o, "],\"elbow\":[");
	for (int i = 0; i < ne; i++) {
		out_str(o, i ? ",{\"k\":" : "{\"k\":");
		out_u64(o, (uint64_t)e[i].k);
		out_str(o, ",\"inertia\":");
		put_fix(o, e[i].inertia, 4);
		out_str(o, ",\"silhouette\":");
		put_fix(o, e[i].sil, 4);
		out_char(o, '}');
	}
	/* A sample for the scatter: the rows of the smallest hashes of their
	 * text, so it never depends on input order. */
	Pick *p = xmalloc((D->n ? D->n : 1) * sizeof *p);
	for (size_t i = 0; i < D->n; i++)
		p[i] = (Pick){ hash_bytes(D->text + D->off[i], D->off[i + 1] - D->off[i]), i };
	qsort(p, D->n, sizeof *p, cmp_pick);
	size_t np = D->n < SAMPLE ? D->n : SAMPLE;
	out_str(o, "],\"points\":[");
	for (size_t s = 0; s < np; s++) {
		size_t i = p[s].i;
		out_str(o, s ? ",[" : "[");
		for (size_t t = 0; t < D->d; t++) {
			put_num(o, D->raw[i * D->d + t]);
			out_char(o, ',');
		}
		out_u64(o, F->label[i] + 1);
		out_char(o, ']');
	}
	free(p);
	out_str(o, "]}\n");
}
