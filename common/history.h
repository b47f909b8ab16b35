/* history: one customer's months, oldest first, for window sums. Memory
 * grows with one customer's history, never with the number of customers.
 *
 * Month i (0-based) is first_month + i. Cumulative sums make the total over
 * any window of whole months ending with the latest month one subtraction. */
#ifndef CRM_HISTORY_H
#define CRM_HISTORY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	int32_t first_month;
	size_t n, cap;
	int64_t *orders;      /* cumulative: orders[i] = sum of months < i */
	int64_t *amount;      /* cumulative consumable amount, minor units */
	int32_t *first_day;   /* per month: first and last purchase day, -1 none */
	int32_t *last_day;
} History;

void hist_init(History *h);
void hist_free(History *h);
/* hist_reset starts a customer whose first month is MONTH. */
void hist_reset(History *h, int32_t month);
/* hist_push appends the next month; days are days since 1970-01-01 or -1. */
void hist_push(History *h, int64_t orders, int64_t amount, int32_t first_day, int32_t last_day);

/* The latest month, and sums over the W months ending with it (months
 * before the first one count as empty). */
static inline int32_t hist_month(const History *h)
{
	return h->first_month + (int32_t)h->n - 1;
}

static inline int64_t hist_orders(const History *h, int w)
{
	size_t from = h->n > (size_t)w ? h->n - (size_t)w : 0;
	return h->orders[h->n] - h->orders[from];
}

static inline int64_t hist_amount(const History *h, int w)
{
	size_t from = h->n > (size_t)w ? h->n - (size_t)w : 0;
	return h->amount[h->n] - h->amount[from];
}

/* hist_span sets the first and last purchase day within the W months ending
 * with the latest; returns 0 when there is none. */
int hist_span(const History *h, int w, int32_t *first, int32_t *last);

#endif
