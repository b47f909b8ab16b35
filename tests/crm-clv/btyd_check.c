/* btyd_check: the scores of common/btyd for given parameters, as the
 * published figures state them; and the interface crm-features uses
 * (btyd_params_read, then the scores).
 *
 *   btyd_check PARAMS.json FUNCTION ARG...
 *
 * FUNCTION: p_alive x t_x T | expected t x t_x T | expected_new t |
 * p_none t x t_x T | spend x m | loglik x t_x T. Prints the value with
 * ten significant digits, or "not finite". A PARAMS of the form
 * "MODEL:P1,P2,P3,P4[:p,q,v]" gives the parameters inline. */
#include "btyd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void inline_params(const char *s, BtydParams *p)
{
	memset(p, 0, sizeof *p);
	char m[16];
	int n = 0;
	if (sscanf(s, "%15[a-z]:%lf,%lf,%lf,%lf%n", m, &p->par[0], &p->par[1], &p->par[2], &p->par[3], &n) != 5) {
		fprintf(stderr, "btyd_check: bad inline parameters '%s'\n", s);
		exit(2);
	}
	for (int i = 0; i < BTYD_NMODELS; i++)
		if (strcmp(m, btyd_model_name[i]) == 0)
			p->model = (BtydModel)i;
	if (s[n] == ':' && sscanf(s + n + 1, "%lf,%lf,%lf", &p->gg[0], &p->gg[1], &p->gg[2]) == 3)
		p->has_gg = 1;
	p->unit_days = 7;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: btyd_check PARAMS FUNCTION ARG...\n");
		return 2;
	}
	BtydParams p;
	char err[300];
	if (strchr(argv[1], ':'))
		inline_params(argv[1], &p);
	else if (btyd_params_read(argv[1], &p, err, sizeof err)) {
		fprintf(stderr, "btyd_check: %s\n", err);
		return 1;
	}
	double a[4] = { 0 };
	for (int i = 3; i < argc && i < 7; i++)
		a[i - 3] = strtod(argv[i], NULL);
	const char *f = argv[2];
	double v;
	if (strcmp(f, "p_alive") == 0)
		v = btyd_p_alive(&p, a[0], a[1], a[2]);
	else if (strcmp(f, "expected") == 0)
		v = btyd_expected(&p, a[0], a[1], a[2], a[3]);
	else if (strcmp(f, "expected_new") == 0)
		v = btyd_expected_new(&p, a[0]);
	else if (strcmp(f, "p_none") == 0)
		v = btyd_p_none(&p, a[0], a[1], a[2], a[3]);
	else if (strcmp(f, "spend") == 0)
		v = gg_expected_spend(p.gg, a[0], a[1]);
	else if (strcmp(f, "loglik") == 0)
		v = btyd_loglik(p.model, p.par, a[0], a[1], a[2]);
	else {
		fprintf(stderr, "btyd_check: unknown function '%s'\n", f);
		return 2;
	}
	if (isfinite(v))
		printf("%.10g\n", v);
	else
		printf("not finite\n");
	return 0;
}
