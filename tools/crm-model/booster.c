/* booster: the XGBoost C API, wrapped so that every failure names what was
 * being done, and the model file with the attributes crm-model keeps in
 * it (target, features, rules, training window, threshold, card, and the
 * logistic-regression baseline). */
#include "date.h"
#include "model.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xg(int rc, const char *what)
{
	if (rc != 0)
		die("XGBoost: %s: %s", what, XGBGetLastError());
}

void booster_set(BoosterHandle b, const char *key, const char *fmt, ...)
{
	char v[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	xg(XGBoosterSetParam(b, key, v), key);
}

const char *booster_attr(BoosterHandle b, const char *key)
{
	const char *v;
	int ok;
	xg(XGBoosterGetAttr(b, key, &v, &ok), key);
	return ok ? v : NULL;
}

DMatrixHandle dmatrix(const float *x, size_t n, size_t d, const float *label, int nthread)
{
	DMatrixHandle m;
	xg(XGDMatrixCreateFromMat_omp(x, (bst_ulong)n, (bst_ulong)d, NAN, &m, nthread), "matrix");
	if (label)
		xg(XGDMatrixSetFloatInfo(m, "label", label, (bst_ulong)n), "labels");
	return m;
}

const float *predict_batch(BoosterHandle b, DMatrixHandle m, int type)
{
	char conf[128];
	snprintf(conf, sizeof conf,
		 "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false}", type);
	const bst_ulong *shape;
	bst_ulong dim;
	const float *r;
	xg(XGBoosterPredictFromDMatrix(b, m, conf, &shape, &dim, &r), "predict");
	return r;
}

const float *predict_dense(BoosterHandle b, const float *x, size_t n, size_t d, int type)
{
	char arr[160], conf[160];
	snprintf(arr, sizeof arr,
		 "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", "
		 "\"version\": 3}", (unsigned long long)(uintptr_t)x, n, d);
	snprintf(conf, sizeof conf,
		 "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}", type);
	const bst_ulong *shape;
	bst_ulong dim;
	const float *r;
	xg(XGBoosterPredictFromDense(b, arr, conf, NULL, &shape, &dim, &r), "predict");
	return r;
}

/* need returns attribute KEY of M's booster or dies: PATH is not a model
 * crm-model wrote. */
static const char *need(const Model *m, const char *key, const char *path)
{
	const char *v = booster_attr(m->b, key);
	if (!v)
		die("%s: not a crm-model model (no attribute '%s')", path, key);
	return v;
}

/* doubles reads the N tab-separated numbers of S into an array (owned). */
static double *doubles(const char *s, size_t n, const char *path)
{
	double *v = xmalloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		char *end;
		v[i] = strtod(s, &end);
		if (end == s || (*end != '\t' && *end))
			die("%s: attribute crm_logit is malformed", path);
		s = *end ? end + 1 : end;
	}
	return v;
}

void model_load(Model *m, const char *path, int nthread)
{
	memset(m, 0, sizeof *m);
	FILE *f = fopen(path, "rb");
	if (!f)
		die_errno("%s", path);
	size_t len;
	char *buf = fread_all(f, &len);
	if (!buf)
		die_errno("%s", path);
	fclose(f);
	xg(XGBoosterCreate(NULL, 0, &m->b), "booster");
	if (XGBoosterLoadModelFromBuffer(m->b, buf, (bst_ulong)len) != 0)
		die("%s: not an XGBoost model in JSON", path);
	free(buf);
	booster_set(m->b, "nthread", "%d", nthread);
	const char *t = need(m, "crm_target", path);
	m->target = strcmp(t, "revenue") == 0 ? TARGET_REVENUE : TARGET_CHURN;
	const char *fs = need(m, "crm_features", path);
	size_t cap = 1;
	for (const char *p = fs; *p; p++)
		cap += *p == '\t';
	m->feat = xmalloc((cap + 1) * sizeof *m->feat);
	for (const char *p = fs;;) {
		size_t k = strcspn(p, "\t");
		m->feat[m->d++] = xstrndup(p, k);
		if (!p[k])
			break;
		p += k + 1;
	}
	m->feat[m->d] = NULL;
	const char *r = need(m, "crm_rules", path);
	if (strlen(r) != 16)
		die("%s: attribute crm_rules is malformed", path);
	memcpy(m->rules, r, 17);
	const char *to = need(m, "crm_train_to", path);
	if (date_parse(to, strlen(to), &m->train_to))
		die("%s: attribute crm_train_to is malformed", path);
	const char *th = booster_attr(m->b, "crm_threshold");
	m->threshold = th && strcmp(th, "none") ? strtod(th, NULL) : NAN;
	m->card = xstrdup(need(m, "crm_card", path));
	const char *lr = booster_attr(m->b, "crm_logit");
	if (lr) {
		/* bias, then mean, sd and weight of each feature. */
		double *v = doubles(lr, 1 + 3 * m->d, path);
		m->lr_bias = v[0];
		m->lr_mean = xmalloc((m->d ? m->d : 1) * sizeof(double));
		m->lr_sd = xmalloc((m->d ? m->d : 1) * sizeof(double));
		m->lr_w = xmalloc((m->d ? m->d : 1) * sizeof(double));
		for (size_t j = 0; j < m->d; j++) {
			m->lr_mean[j] = v[1 + 3 * j];
			m->lr_sd[j] = v[2 + 3 * j];
			m->lr_w[j] = v[3 + 3 * j];
		}
		free(v);
	}
}

void model_free(Model *m)
{
	XGBoosterFree(m->b);
	rules_list_free(m->feat);
	free(m->card);
	free(m->lr_mean);
	free(m->lr_sd);
	free(m->lr_w);
}
