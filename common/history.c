#include "history.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void hist_init(History *h)
{
	memset(h, 0, sizeof *h);
	h->cap = 64;
	h->orders = xmalloc((h->cap + 1) * sizeof *h->orders);
	h->amount = xmalloc((h->cap + 1) * sizeof *h->amount);
	h->first_day = xmalloc(h->cap * sizeof *h->first_day);
	h->last_day = xmalloc(h->cap * sizeof *h->last_day);
}

void hist_free(History *h)
{
	free(h->orders);
	free(h->amount);
	free(h->first_day);
	free(h->last_day);
	memset(h, 0, sizeof *h);
}

void hist_reset(History *h, int32_t month)
{
	h->first_month = month;
	h->n = 0;
	h->orders[0] = 0;
	h->amount[0] = 0;
}

void hist_push(History *h, int64_t orders, int64_t amount, int32_t first_day, int32_t last_day)
{
	if (h->n == h->cap) {
		h->cap *= 2;
		h->orders = xrealloc(h->orders, (h->cap + 1) * sizeof *h->orders);
		h->amount = xrealloc(h->amount, (h->cap + 1) * sizeof *h->amount);
		h->first_day = xrealloc(h->first_day, h->cap * sizeof *h->first_day);
		h->last_day = xrealloc(h->last_day, h->cap * sizeof *h->last_day);
	}
	h->first_day[h->n] = first_day;
	h->last_day[h->n] = last_day;
	h->orders[h->n + 1] = h->orders[h->n] + orders;
	h->amount[h->n + 1] = h->amount[h->n] + amount;
	h->n++;
}

int hist_span(const History *h, int w, int32_t *first, int32_t *last)
{
	size_t from = h->n > (size_t)w ? h->n - (size_t)w : 0;
	int found = 0;
	for (size_t i = from; i < h->n; i++) {
		if (h->first_day[i] == NO_DAY)
			continue;
		if (!found)
			*first = h->first_day[i];
		*last = h->last_day[i];
		found = 1;
	}
	return found;
}
