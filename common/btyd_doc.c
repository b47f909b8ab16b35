/* btyd_doc: reading back the parameters document crm-clv --fit-only
 * writes: its members are found by name in the layout that writer keeps
 * (the transaction model's "params" object before "gamma_gamma", whose
 * own "params" follows), and each value is checked. */
#include "btyd.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* find returns the position just after `"NAME":` (and blanks) in
 * S[0..N), or NULL. */
static const char *find(const char *s, size_t n, const char *name)
{
	char pat[64];
	int k = snprintf(pat, sizeof pat, "\"%s\"", name);
	const char *p = memmem(s, n, pat, (size_t)k), *end = s + n;
	if (!p)
		return NULL;
	p += k;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	if (p == end || *p != ':')
		return NULL;
	p++;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* number reads the number after `"NAME":` in S[0..N) into *V. */
static int number(const char *s, size_t n, const char *name, double *v)
{
	const char *p = find(s, n, name);
	if (!p)
		return -1;
	char *e;
	errno = 0;
	*v = strtod(p, &e);
	return e == p || errno || !isfinite(*v) ? -1 : 0;
}

/* object returns the text of the object after `"NAME":` in S[0..N), its
 * length in *LEN (an object without nested objects), or NULL. */
static const char *object(const char *s, size_t n, const char *name, size_t *len)
{
	const char *p = find(s, n, name);
	if (!p || *p != '{')
		return NULL;
	const char *e = memchr(p, '}', (size_t)(s + n - p));
	if (!e)
		return NULL;
	*len = (size_t)(e - p + 1);
	return p;
}

int btyd_params_read(const char *path, BtydParams *p, char *err, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(err, cap, "%s: %s", path, strerror(errno));
	size_t n;
	char *s = fread_all(f, &n);
	int e = errno;
	fclose(f);
	if (!s)
		return fail(err, cap, "%s: %s", path, strerror(e));
	int rc = -1;
	memset(p, 0, sizeof *p);
	const char *v = find(s, n, "schema"), *gg = find(s, n, "gamma_gamma");
	size_t head = gg ? (size_t)(gg - s) : n, len;
	if (!v || strncmp(v, "\"crm-clv-params/1\"", 18) != 0) {
		fail(err, cap, "%s: not a parameters document of crm-clv --fit-only (schema crm-clv-params/1)", path);
		goto out;
	}
	v = find(s, head, "model");
	int m = 0;
	for (; v && m < BTYD_NMODELS; m++) {
		size_t k = strlen(btyd_model_name[m]);
		if (v[0] == '"' && strncmp(v + 1, btyd_model_name[m], k) == 0 && v[k + 1] == '"')
			break;
	}
	if (!v || m == BTYD_NMODELS) {
		fail(err, cap, "%s: member 'model' is not bgnbd, pareto or mbgnbd", path);
		goto out;
	}
	p->model = (BtydModel)m;
	v = find(s, head, "rules");
	if (!v || v[0] != '"' || !memchr(v + 1, '"', 17) || ((const char *)memchr(v + 1, '"', 17) - v - 1) != 16) {
		fail(err, cap, "%s: member 'rules' is not a rules fingerprint", path);
		goto out;
	}
	memcpy(p->rules, v + 1, 16);
	p->rules[16] = '\0';
	if (number(s, head, "time_unit_days", &p->unit_days) || !(p->unit_days > 0)) {
		fail(err, cap, "%s: member 'time_unit_days' is not a number above 0", path);
		goto out;
	}
	const char *o = object(s, head, "params", &len);
	for (int i = 0; i < 4; i++)
		if (!o || number(o, len, btyd_param_name[m][i], &p->par[i]) || !(p->par[i] > 0)) {
			fail(err, cap, "%s: params: member '%s' is not a number above 0", path, btyd_param_name[m][i]);
			goto out;
		}
	if (gg && strncmp(gg, "null", 4) != 0) {
		o = object(gg, (size_t)(s + n - gg), "params", &len);
		for (int i = 0; i < 3; i++)
			if (!o || number(o, len, gg_param_name[i], &p->gg[i]) || !(p->gg[i] > 0)) {
				fail(err, cap, "%s: gamma_gamma params: member '%s' is not a number above 0", path,
				     gg_param_name[i]);
				goto out;
			}
		p->has_gg = 1;
	}
	rc = 0;
out:
	free(s);
	return rc;
}
