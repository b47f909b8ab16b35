/* crm-gen: a seeded generator of synthetic transaction streams.
 *
 * Customers differ widely in purchase rate and basket size; many start with a
 * machine; accessories appear now and then; customers lapse, some for good and
 * some for over a year before they return; some slow down. Rows come out in
 * date order. All arithmetic is integer (distributions come from quantile
 * tables), so a seed gives the same bytes on every machine. */
#include "date.h"
#include "money.h"
#include "opt.h"
#include "out.h"
#include "rng.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-gen [--customers N] [--months M] [--start YYYY-MM] [--seed S]\n"
	"               [--brands N] [--order-id] [--no-category] [--products FILE]\n"
	"               [--format tsv|invoice] [--messy PERMILLE] [--churn-process]\n"
	"               [-o FILE]";

/* opt_format reads --format tsv|invoice into the int at DST (1: invoice). */
static const char *opt_format(const char *s, void *dst)
{
	if (strcmp(s, "invoice") == 0)
		*(int *)dst = 1;
	else if (strcmp(s, "tsv") == 0)
		*(int *)dst = 0;
	else
		return "is not tsv or invoice";
	return NULL;
}

/* ---- random numbers (rng.h) ---- */

/* rng_permille is true with probability PERMILLE/1000. */
static int rng_permille(Rng *r, uint32_t permille)
{
	return rng_below(r, 1000) < permille;
}

/* Quantiles of Exp(1) at (k+0.5)/256, in thousandths. */
static const uint16_t exp_q[256] = {
	2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62,
	67, 71, 75, 79, 83, 88, 92, 96, 101, 105, 109, 114, 118, 122, 127, 131,
	136, 140, 145, 149, 154, 158, 163, 168, 172, 177, 182, 186, 191, 196, 200, 205,
	210, 215, 220, 225, 230, 234, 239, 244, 249, 254, 259, 265, 270, 275, 280, 285,
	290, 296, 301, 306, 311, 317, 322, 328, 333, 338, 344, 349, 355, 361, 366, 372,
	378, 383, 389, 395, 401, 406, 412, 418, 424, 430, 436, 442, 448, 454, 461, 467,
	473, 479, 486, 492, 499, 505, 511, 518, 525, 531, 538, 545, 551, 558, 565, 572,
	579, 586, 593, 600, 607, 614, 622, 629, 636, 644, 651, 659, 666, 674, 681, 689,
	697, 705, 713, 721, 729, 737, 745, 754, 762, 770, 779, 787, 796, 805, 813, 822,
	831, 840, 849, 858, 868, 877, 886, 896, 906, 915, 925, 935, 945, 955, 965, 976,
	986, 997, 1007, 1018, 1029, 1040, 1051, 1062, 1074, 1085, 1097, 1108, 1120, 1132, 1145, 1157,
	1169, 1182, 1195, 1208, 1221, 1234, 1248, 1262, 1275, 1290, 1304, 1318, 1333, 1348, 1363, 1379,
	1394, 1410, 1426, 1443, 1459, 1476, 1493, 1511, 1529, 1547, 1565, 1584, 1604, 1623, 1643, 1664,
	1684, 1706, 1727, 1750, 1772, 1796, 1819, 1844, 1869, 1895, 1921, 1948, 1976, 2004, 2034, 2064,
	2095, 2127, 2161, 2195, 2231, 2268, 2306, 2347, 2388, 2432, 2477, 2525, 2575, 2627, 2683, 2742,
	2804, 2871, 2942, 3019, 3103, 3194, 3294, 3405, 3530, 3673, 3840, 4041, 4292, 4629, 5140, 6238,};

/* rng_gamma2 draws from Gamma(2, mean/2) in days: a purchase cycle that is
 * roughly regular, sometimes early, now and then much later. */
static int32_t rng_gamma2(Rng *r, int32_t mean)
{
	uint32_t e = (uint32_t)exp_q[rng_below(r, 256)] + exp_q[rng_below(r, 256)];
	int32_t g = (int32_t)(((uint64_t)mean * e + 1000) / 2000);
	return g < 1 ? 1 : g;
}

/* pick returns an index into a table of weights (per mille, summing to 1000). */
static int pick(Rng *r, const uint16_t *w, int n)
{
	uint32_t x = rng_below(r, 1000), acc = 0;
	for (int i = 0; i < n; i++)
		if (x < (acc += w[i]))
			return i;
	return n - 1;
}

/* ---- the catalogue ---- */

typedef struct {
	const char *sku, *category;
	int32_t price; /* cents */
	const char *name; /* as an export writes it; some need CSV quoting */
} Product;

static const Product catalogue[] = {
	{ "CAP-001", "capsule", 390, "CAPSULES RISTRETTO 10-PACK" }, { "CAP-002", "capsule", 420, "CAPSULES LUNGO, 10-PACK" },
	{ "CAP-003", "capsule", 450, "CAPSULES \"DECAF\" 10-PACK" }, { "CAP-004", "capsule", 480, "CAPSULES ARPEGGIO 10-PACK" },
	{ "CAP-005", "capsule", 520, "CAPSULES VOLLUTO 10-PACK" }, { "CAP-006", "capsule", 550, "CAPSULES CAPRICCIO 10-PACK" },
	{ "CAP-007", "capsule", 590, "CAPSULES ROMA, INTENSE" }, { "CAP-008", "capsule", 640, "CAPSULES KAZAAR 10-PACK" },
	{ "CAP-009", "capsule", 690, "CAPSULES ORIGIN \"ETHIOPIA\"" }, { "CAP-010", "capsule", 850, "CAPSULES GRAND CRU 20-PACK" },
	{ "TEA-001", "tea", 450, "TEA EARL GREY 20 BAGS" }, { "TEA-002", "tea", 590, "TEA GREEN, JASMINE" },
	{ "TEA-003", "tea", 790, "TEA ROOIBOS 20 BAGS" }, { "TEA-004", "tea", 1200, "TEA MATCHA TIN" },
	{ "CARE-01", "care", 990, "DESCALER 2 DOSES" }, { "CARE-02", "care", 1490, "CLEANING TABS, 6" },
	{ "CARE-03", "care", 1990, "CARE KIT \"COMPLETE\"" },
	{ "DEV-001", "device", 8900, "MACHINE PIXIE" }, { "DEV-002", "device", 14900, "MACHINE ESSENZA" },
	{ "DEV-003", "device", 22900, "MACHINE CITIZ, MILK" }, { "DEV-004", "device", 39900, "MACHINE LATTISSIMA" },
	{ "DEV-005", "device", 89900, "MACHINE CREATISTA PRO" },
	{ "ACC-001", "accessory", 1290, "MUG SET OF 2" }, { "ACC-002", "accessory", 1990, "MILK JUG" },
	{ "ACC-003", "accessory", 3490, "CUP HOLDER, STEEL" }, { "ACC-004", "accessory", 7900, "MILK FROTHER" },
};
enum { CAP0 = 0, NCAP = 10, TEA0 = 10, NTEA = 4, CARE0 = 14, NCARE = 3,
       DEV0 = 17, NDEV = 5, ACC0 = 22, NACC = 4 };

static const char *const brand_names[] = {
	"alpina", "borealis", "cascade", "dunmore", "elmstead", "fjordline",
	"glenbrook", "harbour",
};

/* ---- customers ---- */

/* Mean days between orders, with shares per mille: a few weekly buyers, most
 * monthly-ish, a long tail of occasional ones. */
static const uint16_t gap_days[] = { 8, 12, 18, 26, 35, 50, 70, 100, 150, 240 };
static const uint16_t gap_w[] = { 25, 55, 100, 160, 190, 170, 130, 90, 50, 30 };
/* Pack multiplier per line (households to offices). */
static const uint16_t qty_mul[] = { 1, 2, 3, 5, 8 };
static const uint16_t qty_w[] = { 420, 300, 160, 85, 35 };

enum { F_MACHINE_ONLY = 1, F_DECLINE = 2, F_GONE = 4, F_TEA = 8 };

typedef struct {
	Rng rng;
	int32_t link;     /* next customer due the same day, -1 ends */
	int32_t declined; /* day from which a declining customer slows */
	uint16_t gap, lapse; /* mean gap in days; lapse chance per order, per mille */
	uint8_t mul, lines, flags, brand;
	uint32_t id;      /* number in the customer id */
	/* --churn-process: the day a leaver's last order is due (INT32_MAX:
	 * stays), the days of fading before it, and a slowdown the customer
	 * comes back from (start, length; 0 length: none). Days count from
	 * the first day of the data. */
	int32_t leave, fade, dip0, dipn;
} Cust;

typedef struct {
	Out out;
	int brands, order_id, category;
	int invoice;                 /* --format invoice */
	int process;                 /* --churn-process */
	uint32_t messy;              /* defects a thousand lines */
	Rng defects;                 /* its own stream: the purchases stay the same */
	uint64_t orders;
	int32_t day0;
} Gen;

static void put_tsv(Gen *g, const Cust *c, int32_t day, const Product *p, int32_t qty)
{
	Out *o = &g->out;
	char *b = out_reserve(o, 160);
	size_t n = 0;
	if (g->brands) {
		size_t l = strlen(brand_names[c->brand % 8]);
		memcpy(b, brand_names[c->brand % 8], l);
		n += l;
		if (c->brand >= 8)
			n += fmt_u64(b + n, c->brand / 8 + 1);
		b[n++] = '\t';
	}
	date_fmt(b + n, day);
	n += 10;
	b[n++] = '\t';
	if (g->order_id) {
		b[n++] = 'O';
		n += fmt_u64(b + n, 10000000 + g->orders);
		b[n++] = '\t';
	}
	b[n++] = 'C';
	char id[16];
	size_t il = fmt_u64(id, c->id);
	for (size_t i = il; i < 7; i++)
		b[n++] = '0';
	memcpy(b + n, id, il);
	n += il;
	b[n++] = '\t';
	memcpy(b + n, p->sku, 7);
	n += 7;
	b[n++] = '\t';
	if (g->category) {
		size_t l = strlen(p->category);
		memcpy(b + n, p->category, l);
		n += l;
		b[n++] = '\t';
	}
	n += fmt_u64(b + n, (uint64_t)qty);
	b[n++] = '\t';
	n += fixed_fmt(b + n, (int64_t)qty * p->price, 2);
	b[n++] = '\n';
	o->len += n;
}

/* csv_field writes S as a CSV field, quoted when it must be. */
static void csv_field(Out *o, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		out_str(o, s);
		return;
	}
	out_char(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			out_char(o, '"');
		out_char(o, *s);
	}
	out_char(o, '"');
}

/* put_invoice writes one line of an invoice export: InvoiceNo, StockCode,
 * Description, Quantity, InvoiceDate (M/D/YYYY H:MM), UnitPrice,
 * CustomerID, Country. DEFECT, when not 0, spoils it the way real exports
 * are spoilt (see messy_line). */
static void put_invoice(Gen *g, const Cust *c, int32_t day, const Product *p, int32_t qty,
			const char *inv, int defect)
{
	Out *o = &g->out;
	char b[64];
	static const char *const countries[] = { "United Kingdom", "France", "Germany", "EIRE",
		"Netherlands", "Spain" };
	csv_field(o, inv);
	out_char(o, ',');
	out_str(o, p->sku);
	out_char(o, ',');
	if (defect == 'q')
		out_str(o, "\"BROKEN QUOTE"); /* never closed */
	else if (defect == 'n')
		out_str(o, "\"TWO\nLINES\"");
	else
		csv_field(o, p->name);
	out_char(o, ',');
	out_i64(o, defect == 'r' ? -qty : defect == 'x' ? 80995 : qty);
	out_char(o, ',');
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	if (defect == 'd')
		snprintf(b, sizeof b, "%d/%d/%d %d:%02d", 13, 45, y, 9, 0);
	else
		snprintf(b, sizeof b, "%d/%d/%d %d:%02d", m, d, y, 8 + (int)(c->id % 10), (int)(c->id % 60));
	out_str(o, b);
	out_char(o, ',');
	if (defect == 'b')
		out_str(o, "\"1,25\"");
	else
		out_write(o, b, fixed_fmt(b, defect == 'z' ? 0 : p->price, 2));
	out_char(o, ',');
	if (defect != 'c') {
		out_char(o, 'C');
		size_t il = fmt_u64(b, c->id);
		for (size_t i = il; i < 7; i++)
			out_char(o, '0');
		out_write(o, b, il);
	}
	out_char(o, ',');
	out_str(o, countries[c->id % 6]);
	out_str(o, "\r\n");
}

/* A defect a messy export may have, by its share of defects: a missing
 * customer, a return, a cancelled line, a bad price, a bad date, a zero
 * price, an unbalanced quote, a description over two lines (valid), an
 * outlier quantity; duplicates and empty lines are added around lines. */
static const char defect_kinds[] = "crkbdzqnxDE";

static void put_line(Gen *g, const Cust *c, int32_t day, const Product *p, int32_t qty)
{
	if (!g->invoice) {
		put_tsv(g, c, day, p, qty);
		return;
	}
	char inv[32];
	snprintf(inv, sizeof inv, "O%llu", (unsigned long long)(10000000 + g->orders));
	int defect = 0;
	if (g->messy && rng_below(&g->defects, 1000) < g->messy)
		defect = defect_kinds[rng_below(&g->defects, sizeof defect_kinds - 1)];
	if (defect == 'k') {
		/* A cancelled copy of the line comes after it. */
		put_invoice(g, c, day, p, qty, inv, 0);
		inv[0] = 'C';
		put_invoice(g, c, day, p, -qty, inv, 0);
		return;
	}
	if (defect == 'E')
		out_str(&g->out, "\r\n");
	put_invoice(g, c, day, p, qty, inv, defect == 'D' || defect == 'E' ? 0 : defect);
	if (defect == 'D')
		put_invoice(g, c, day, p, qty, inv, 0);
}

/* fading returns how far customer C on day D (from the first day of the
 * data) has gone into the churn process, per mille: 0 at the normal pace,
 * rising linearly to 1000 over the fade before a leaver's last order; in a
 * slowdown, rising to 1000 half-way through and falling back to 0. */
static uint32_t fading(const Cust *c, int32_t d)
{
	uint32_t f = 0;
	if (c->leave != INT32_MAX && d > c->leave - c->fade)
		f = d >= c->leave ? 1000 : (uint32_t)((int64_t)(d - (c->leave - c->fade)) * 1000 / c->fade);
	if (c->dipn && d >= c->dip0 && d < c->dip0 + c->dipn) {
		int32_t x = (d - c->dip0) * 2000 / c->dipn; /* 0..2000 */
		uint32_t v = (uint32_t)(x <= 1000 ? x : 2000 - x);
		if (v > f)
			f = v;
	}
	return f;
}

/* order writes one purchase of customer C on DAY; FIRST marks the first.
 * FADE (per mille, fading()) shrinks the basket and turns orders away
 * from consumables. */
static void order(Gen *g, Cust *c, int32_t day, int first, uint32_t fade)
{
	Rng *r = &c->rng;
	g->orders++;
	if (first && (c->flags & F_MACHINE_ONLY || rng_permille(r, 550))) {
		/* Cheaper machines sell far more often than the top model. */
		static const uint16_t dev_w[] = { 380, 300, 180, 110, 30 };
		put_line(g, c, day, &catalogue[DEV0 + pick(r, dev_w, NDEV)], 1);
		if (c->flags & F_MACHINE_ONLY)
			return;
		if (rng_permille(r, 300))
			return; /* a machine alone; capsules come with the next order */
	}
	if (c->flags & F_MACHINE_ONLY)
		return;
	if (fade && rng_permille(r, fade * 2 / 5)) {
		/* Away from consumables: an accessory alone. */
		put_line(g, c, day, &catalogue[ACC0 + rng_below(r, NACC)], 1);
		return;
	}
	if (rng_permille(r, 50))
		put_line(g, c, day, &catalogue[ACC0 + rng_below(r, NACC)], 1);
	int n = 1 + (int)rng_below(r, c->lines);
	if (fade && rng_permille(r, fade))
		n = 1; /* a smaller basket: one product */
	/* Distinct products in one order: start somewhere, walk the range. */
	int base = (c->flags & F_TEA) ? TEA0 : CAP0, range = (c->flags & F_TEA) ? NTEA : NCAP;
	int start = (int)rng_below(r, (uint32_t)range);
	for (int i = 0; i < n && i < range; i++) {
		int32_t q = (int32_t)((1 + rng_below(r, 3)) * c->mul);
		if (fade)
			q = (int32_t)(((int64_t)q * (2000 - fade) + 1000) / 2000);
		if (q < 1)
			q = 1;
		put_line(g, c, day, &catalogue[base + (start + i) % range], q);
	}
	if (rng_permille(r, 40))
		put_line(g, c, day, &catalogue[CARE0 + rng_below(r, NCARE)], 1);
}

/* next_day returns the day of C's next order after DAY, or -1 when C is
 * gone. With PROCESS (--churn-process), FADE (fading()) stretches the mean
 * gap up to three times, a leaver orders nothing after its leave day, and
 * lapses without warning are four times rarer. */
static int32_t next_day(Cust *c, int32_t day, int process, uint32_t fade)
{
	Rng *r = &c->rng;
	if (c->flags & F_MACHINE_ONLY)
		return -1;
	int32_t mean = c->gap;
	if ((c->flags & F_DECLINE) && day >= c->declined)
		mean *= 4;
	if (process) {
		if (day >= c->leave)
			return -1;
		mean = (int32_t)(((int64_t)mean * (1000 + 2 * fade) + 500) / 1000);
	}
	if (rng_permille(r, process ? c->lapse / 4 : c->lapse)) {
		/* A lapse: most leave for good, a quarter return after 13 to 30
		 * months, when they start over at their old rhythm. */
		if (rng_permille(r, 750))
			return -1;
		return day + 395 + (int32_t)rng_below(r, 520);
	}
	return day + rng_gamma2(r, mean);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon com;
	opt_common_init(&com);
	OptUint customers_o = { 1, 99999999, 1000, 0 }, months_o = { 1, 1200, 24, 0 };
	OptUint seed_o = { 0, UINT64_MAX, 1, 0 }, brands_o = { 0, 64, 0, 0 }, messy_o = { 0, 1000, 0, 0 };
	int32_t start = month_index(2023, 1);
	int order_id = 0, category = 1, invoice = 0, process = 0;
	const char *products = NULL;
	const Opt opts[] = {
		{ "customers", 0, "N", opt_uint, &customers_o, 0, "customers (1000)" },
		{ "months", 0, "M", opt_uint, &months_o, 0, "months of history (24)" },
		{ "start", 0, "YYYY-MM", opt_month, &start, 0, "the first month (2023-01)" },
		{ "seed", 0, "S", opt_uint, &seed_o, 0, "the seed (1); a seed gives the same bytes everywhere" },
		{ "brands", 0, "N", opt_uint, &brands_o, 0, "add a brand column with N brands" },
		{ "order-id", 0, NULL, NULL, &order_id, 1, "add an order_id column" },
		{ "no-category", 0, NULL, NULL, &category, 0, "leave out the category column" },
		{ "products", 0, "FILE", opt_str, &products, 0, "write the catalogue (sku, category, price, ...) to FILE" },
		{ "format", 0, "tsv|invoice", opt_format, &invoice, 0, "the transaction stream, or a shop's CSV invoice export" },
		{ "messy", 0, "PERMILLE", opt_uint, &messy_o, 0, "with --format invoice: lines spoilt per thousand" },
		{ "churn-process", 0, NULL, NULL, &process, 1, "leavers fade first: longer gaps, smaller baskets" },
		OPT_OUTPUT(&com),
		OPT_END,
	};
	int nopt = opt_parse(argc, argv, usage_text, opts);
	uint64_t customers = customers_o.v, months = months_o.v, seed = seed_o.v, brands = brands_o.v;
	uint64_t messy = messy_o.v;
	const char *output = com.output;
	if (nopt != argc)
		usage_fail(usage_text, "unexpected argument '%s'", argv[nopt]);
	if (start + (int32_t)months > month_index(9999, 12))
		usage_fail(usage_text, "--start and --months run past the year 9999");

	if (products) {
		Out p;
		out_create(&p, products);
		out_str(&p, "sku\tcategory\tprice\n");
		for (size_t i = 0; i < sizeof catalogue / sizeof *catalogue; i++) {
			char buf[32];
			out_str(&p, catalogue[i].sku);
			out_char(&p, '\t');
			out_str(&p, catalogue[i].category);
			out_char(&p, '\t');
			out_write(&p, buf, fixed_fmt(buf, catalogue[i].price, 2));
			out_char(&p, '\n');
		}
		out_close(&p);
	}

	if (messy && !invoice)
		usage_fail(usage_text, "--messy goes with --format invoice");
	Gen g = { .brands = brands > 0, .order_id = order_id, .category = category,
		  .invoice = invoice, .messy = (uint32_t)messy, .process = process };
	rng_seed(&g.defects, seed, UINT64_MAX);
	g.day0 = month_first_day(start);
	int32_t ndays = month_first_day(start + (int32_t)months) - g.day0;
	int32_t *due = xmalloc((size_t)ndays * sizeof *due);
	for (int32_t d = 0; d < ndays; d++)
		due[d] = -1;
	Cust *cs = xcalloc(customers, sizeof *cs);
	for (uint64_t i = 0; i < customers; i++) {
		Cust *c = &cs[i];
		rng_seed(&c->rng, seed, i);
		Rng *r = &c->rng;
		c->id = (uint32_t)i + 1;
		c->gap = gap_days[pick(r, gap_w, 10)];
		c->mul = (uint8_t)qty_mul[pick(r, qty_w, 5)];
		c->lines = (uint8_t)(1 + rng_below(r, 3));
		c->lapse = (uint16_t)(15 + rng_below(r, 70));
		if (rng_permille(r, 80))
			c->flags |= F_MACHINE_ONLY;
		if (rng_permille(r, 120))
			c->flags |= F_DECLINE;
		if (rng_permille(r, 150))
			c->flags |= F_TEA;
		if (brands) {
			c->brand = (uint8_t)rng_below(r, (uint32_t)brands);
			/* One customer in 40 also buys under another brand: the same
			 * id, a separate history, since the key is brand + customer. */
			if (i > 0 && brands > 1 && i % 40 == 0) {
				c->id = cs[i - 1].id;
				c->brand = (uint8_t)((cs[i - 1].brand + 1) % brands);
			}
		}
		/* A third were customers before the period; the rest join evenly. */
		int32_t first = rng_permille(r, 330) ? (int32_t)rng_below(r, 60 < ndays ? 60 : (uint32_t)ndays)
						    : (int32_t)rng_below(r, (uint32_t)ndays);
		c->declined = first + 120 + (int32_t)rng_below(r, 360);
		c->leave = INT32_MAX;
		if (process) {
			/* Two in five will leave, at a day spread past the data's
			 * end, after 90 to 210 days of fading; one in four slows
			 * down for 60 to 180 days and comes back. */
			if (rng_permille(r, 400)) {
				c->leave = first + 60 + (int32_t)rng_below(r, (uint32_t)ndays + 180);
				c->fade = 90 + (int32_t)rng_below(r, 121);
			}
			if (rng_permille(r, 250)) {
				c->dip0 = first + 30 + (int32_t)rng_below(r, (uint32_t)ndays);
				c->dipn = 60 + (int32_t)rng_below(r, 121);
			}
		}
		c->link = due[first];
		due[first] = (int32_t)i;
	}
	/* The first order is marked by a negative link bit: keep a flag array. */
	unsigned char *started = xcalloc(customers, 1);

	out_create(&g.out, output);
	if (invoice)
		out_str(&g.out, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r\n");
	else if (g.brands)
		out_str(&g.out, "brand\t");
	if (!invoice) {
		out_str(&g.out, order_id ? "date\torder_id\tcustomer_id\tsku\t" : "date\tcustomer_id\tsku\t");
		out_str(&g.out, category ? "category\tqty\tamount\n" : "qty\tamount\n");
	}
	for (int32_t d = 0; d < ndays; d++) {
		/* Customers due today, in a fixed order; rescheduling never lands
		 * on the same day (gaps are at least one day). */
		for (int32_t i = due[d]; i >= 0;) {
			Cust *c = &cs[i];
			int32_t nexti = c->link;
			uint32_t f = g.process ? fading(c, d) : 0;
			order(&g, c, g.day0 + d, !started[i], f);
			started[i] = 1;
			int32_t nd = next_day(c, d, g.process, f);
			if (nd >= 0 && nd < ndays) {
				c->link = due[nd];
				due[nd] = i;
			}
			i = nexti;
		}
	}
	out_close(&g.out);
	free(started);
	free(cs);
	free(due);
	return 0;
}
