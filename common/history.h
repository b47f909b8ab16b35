/* history: one customer's months, oldest first, for window sums. Memory
 * grows with one customer's history, never with the number of customers.
 *
 * Month i (0-based) is first_month + i. Cumulative sums make the total over
 * any window of whole months ending with the latest month one subtraction. */
#ifndef CRM_HISTORY_H
#define CRM_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "date.h"

/* Cumulative sums are 128-bit, so they never overflow (2^64 months of
 * int64 values at most); a window's sum is checked when it is taken. */
typedef struct {
	int32_t first_month;
	size_t n, cap;
	__int128 *orders;     /* cumulative: orders[i] = sum of months < i */
	__int128 *amount;     /* cumulative consumable amount, minor units */
	int32_t *first_day;   /* per month: first and last purchase day, */
	int32_t *last_day;    /* NO_DAY when none */
} History;

void hist_init(History *h);
void hist_free(History *h);
/* hist_reset starts a customer whose first month is MONTH. */
void hist_reset(History *h, int32_t month);
/* hist_push appends the next month; days are days since 1970-01-01
 * (negative before it) or NO_DAY. */
void hist_push(History *h, int64_t orders, int64_t amount, int32_t first_day, int32_t last_day);

/* The latest month. */
static inline int32_t hist_month(const History *h)
{
	return h->first_month + (int32_t)h->n - 1;
}

/* hist_window sets *V to the sum of CUM over the W months ending with the
 * latest, leaving out the last SKIP of them (months before the first one
 * count as empty); returns -1, leaving *V, when the sum is beyond int64. */
static inline int hist_window(const History *h, const __int128 *cum, int w, int skip, int64_t *v)
{
	size_t from = h->n > (size_t)w ? h->n - (size_t)w : 0;
	size_t to = h->n > (size_t)skip ? h->n - (size_t)skip : 0;
	__int128 s = to > from ? cum[to] - cum[from] : 0;
	if (s > INT64_MAX || s < INT64_MIN)
		return -1;
	*v = (int64_t)s;
	return 0;
}

/* hist_orders and hist_amount: the W months ending with the latest. */
static inline int hist_orders(const History *h, int w, int64_t *v)
{
	return hist_window(h, h->orders, w, 0, v);
}

static inline int hist_amount(const History *h, int w, int64_t *v)
{
	return hist_window(h, h->amount, w, 0, v);
}

/* hist_span sets the first and last purchase day within the W months ending
 * with the latest; returns 0 when there is none. */
int hist_span(const History *h, int w, int32_t *first, int32_t *last);

#endif
