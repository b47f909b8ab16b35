#include "progress.h"
#include "util.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Rows between two looks at the clock. */
#define PROGRESS_STEP 4096

static double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(Progress *p, int on)
{
	p->on = on < 0 ? isatty(2) : on;
	p->rows = 0;
	p->check = PROGRESS_STEP;
	p->t0 = progress_now();
	p->next = p->t0 + 0.25;
}

/* progress_rate returns the rows per second since the start. */
static double progress_rate(const Progress *p, double t)
{
	return t > p->t0 ? (double)p->rows / (t - p->t0) : 0;
}

void progress_add(Progress *p, uint64_t rows)
{
	p->rows += rows;
	if (!p->on || p->rows < p->check)
		return;
	p->check = p->rows + PROGRESS_STEP;
	double t = progress_now();
	if (t < p->next)
		return;
	p->next = t + 0.25;
	fprintf(stderr, "%s: %llu rows, %.0f rows/s\n", progname, (unsigned long long)p->rows,
		progress_rate(p, t));
}

void progress_end(Progress *p)
{
	if (!p->on)
		return;
	double t = progress_now();
	fprintf(stderr, "%s: %llu rows in %.2f s, %.0f rows/s\n", progname, (unsigned long long)p->rows,
		t - p->t0, progress_rate(p, t));
}
