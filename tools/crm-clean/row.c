/* crm-clean: one record: its values (numbers, dates, ids), the business
 * rules, duplicates, and the canonical line or the reject it becomes. */
#include "clean.h"
#include "date.h"
#include "json.h"
#include "money.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* set_add adds H; returns 0 when it was there already. An all-zero hash
 * marks a free slot, so a zero hash is stored as 1. */
static int set_add(Set *s, XXH128_hash_t h)
{
	if (!h.low64 && !h.high64)
		h.low64 = 1;
	if ((s->n + 1) * 10 > s->cap * 7) {
		Set b = { xcalloc(s->cap ? s->cap * 2 : 1024, sizeof *b.v), s->cap ? s->cap * 2 : 1024, 0 };
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].low64 || s->v[i].high64)
				set_add(&b, s->v[i]);
		free(s->v);
		*s = b;
	}
	size_t m = s->cap - 1, i = (size_t)h.low64 & m;
	while (s->v[i].low64 || s->v[i].high64) {
		if (s->v[i].low64 == h.low64 && s->v[i].high64 == h.high64)
			return 0;
		i = (i + 1) & m;
	}
	s->v[i] = h;
	s->n++;
	return 1;
}

/* set_has says whether H is in S. */
static int set_has(const Set *s, XXH128_hash_t h)
{
	if (!s->cap)
		return 0;
	if (!h.low64 && !h.high64)
		h.low64 = 1;
	size_t m = s->cap - 1, i = (size_t)h.low64 & m;
	while (s->v[i].low64 || s->v[i].high64) {
		if (s->v[i].low64 == h.low64 && s->v[i].high64 == h.high64)
			return 1;
		i = (i + 1) & m;
	}
	return 0;
}

/* csv_quoted writes S[0..N) to O as one quoted CSV field. */
static void csv_quoted(Out *o, const char *s, size_t n)
{
	out_char(o, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			out_char(o, '"');
		out_char(o, s[i]);
	}
	out_char(o, '"');
}

/* row_last_line returns the physical line a row starting on LINE with the
 * text RAW[0..RAW_N) ends on: a quoted line break makes it a later one. */
uint64_t row_last_line(uint64_t line, const char *raw, size_t raw_n)
{
	for (size_t off = line_len(raw, raw_n, 0); off < raw_n; off += line_len(raw + off, raw_n - off, 0))
		line++;
	return line;
}

/* count_row counts a row, written or rejected, of the lines LINE..LAST. */
static void count_row(Clean *C, uint64_t line, uint64_t last)
{
	C->rows++;
	C->row_lines += last - line + 1;
	if (last > line) {
		if (C->spanning < SPAN_LIST) {
			C->span[C->spanning][0] = line;
			C->span[C->spanning][1] = last;
		}
		C->spanning++;
	}
}

/* reject counts a rejected record of REASON and writes it to the reject
 * file: its first line, category, detail and original text. The detail
 * of a record spanning lines ends with their range. */
void reject(Clean *C, uint64_t line, const char *raw, size_t raw_n, Reason r, const char *detail)
{
	/* A record rejected before it has fields has no customer key: it is
	 * partition 1's. */
	if (!C->in_record && C->part.n && C->part.i != 1)
		return;
	/* While records are held for the date format, one rejected as it is
	 * read waits with them: the rejects stay in line order. */
	if (!C->sample_done && !C->in_record && !C->strict) {
		if (C->nheld == C->held_cap) {
			C->held_cap = C->held_cap ? C->held_cap * 2 : 64;
			C->held = xrealloc(C->held, C->held_cap * sizeof *C->held);
		}
		C->held[C->nheld++] = (struct Held){ line, xstrndup(raw, raw_n), raw_n, NULL, 0, (int)r,
						     xstrdup(detail) };
		return;
	}
	uint64_t last = row_last_line(line, raw, raw_n);
	char full[512];
	if (last > line)
		snprintf(full, sizeof full, "%s (a record of lines %llu-%llu)", detail,
			 (unsigned long long)line, (unsigned long long)last);
	else
		snprintf(full, sizeof full, "%s", detail);
	if (C->strict)
		die("%s:%llu: %s: %s", C->name, (unsigned long long)line, reasons[r].name, full);
	count_row(C, line, last);
	C->rejected[r]++;
	if (!C->have_rej)
		return;
	while (raw_n && (raw[raw_n - 1] == '\n' || raw[raw_n - 1] == '\r'))
		raw_n--;
	Out *o = &C->rej;
	out_u64(o, line);
	out_char(o, ',');
	out_str(o, reasons[r].name);
	out_char(o, ',');
	csv_quoted(o, full, strlen(full));
	out_char(o, ',');
	csv_quoted(o, raw, raw_n);
	out_char(o, '\n');
}

/* digits reads S[0..N), one to four digits, into *V; 0 when it is not. */
static int digits(const char *s, size_t n, int *v)
{
	if (!n || n > 4)
		return 0;
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 1;
}

/* time_ok accepts what may follow a date: nothing, or a space or T and a
 * time of day (H:MM, HH:MM:SS, with fractions or a zone), dropped. */
static int time_ok(const char *s, size_t n)
{
	if (!n)
		return 1;
	if (*s != ' ' && *s != 'T')
		return 0;
	s++;
	n--;
	size_t colon = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colon++;
		else if ((s[i] < '0' || s[i] > '9') && !strchr(".+-Z ", s[i]))
			return 0;
	}
	return colon >= 1 && n >= 4 && s[0] >= '0' && s[0] <= '9';
}

/* parse_date reads S[0..N) in format F into days since 1970; 0 on success. */
int parse_date(const char *s, size_t n, int f, int32_t *days)
{
	int y = 0, m = 0, d = 0;
	size_t used = 0;
	switch (f) {
	case F_ISO:
		if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
		    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
			return -1;
		used = 10;
		break;
	case F_YMD:
		if (n < 8 || !digits(s, 4, &y) || !digits(s + 4, 2, &m) || !digits(s + 6, 2, &d))
			return -1;
		used = 8;
		break;
	case F_MDY:
	case F_DMY:
	case F_DMY_DOT: {
		char sep = f == F_DMY_DOT ? '.' : '/';
		const char *a = s, *e = s + n, *p1 = memchr(s, sep, n);
		if (!p1)
			return -1;
		const char *p2 = memchr(p1 + 1, sep, (size_t)(e - p1 - 1));
		if (!p2)
			return -1;
		const char *p3 = p2 + 1;
		while (p3 < e && *p3 >= '0' && *p3 <= '9')
			p3++;
		int x, z;
		if (!digits(a, (size_t)(p1 - a), &x) || !digits(p1 + 1, (size_t)(p2 - p1 - 1), &z) ||
		    p3 - p2 - 1 != 4 || !digits(p2 + 1, 4, &y) || p1 - a > 2 || p2 - p1 - 1 > 2)
			return -1;
		if (f == F_MDY) {
			m = x;
			d = z;
		} else {
			d = x;
			m = z;
		}
		used = (size_t)(p3 - s);
		break;
	}
	default:
		return -1;
	}
	if (!time_ok(s + used, n - used))
		return -1;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

Str trim(Str f)
{
	while (f.n && (*f.p == ' ' || *f.p == '\t'))
		f.p++, f.n--;
	while (f.n && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t'))
		f.n--;
	return f;
}

/* put_value writes a value, each tab, CR or LF in it replaced by a space
 * so the TSV stays one line a row with its columns (counted). */
static void put_value(Clean *C, Str v)
{
	int changed = 0;
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];
		if (c == '\t' || c == '\n' || c == '\r') {
			c = ' ';
			changed = 1;
		}
		out_char(&C->out, c);
	}
	C->cleaned_values += (uint64_t)changed;
}

Str field(const Clean *C, const Str *f, int canon_col)
{
	int c = C->col[canon_col];
	return c < 0 ? (Str){ "", 0 } : trim(f[c]);
}

/* id_key returns the customer id ID as written, or, under
 * clean.id_drop_zero_decimals, without the zero decimals a number export
 * adds (17850.0 is 17850). The result points into ID. */
static Str id_key(const Clean *C, Str id)
{
	if (!C->id_drop_zeros)
		return id;
	const char *dot = memchr(id.p, '.', id.n);
	if (!dot || dot == id.p || dot + 1 == id.p + id.n)
		return id;
	for (const char *q = id.p; q < dot; q++)
		if (*q < '0' || *q > '9')
			return id;
	for (const char *q = dot + 1; q < id.p + id.n; q++)
		if (*q != '0')
			return id;
	return (Str){ id.p, (size_t)(dot - id.p) };
}

/* partition_of returns the partition, from 1, of the record F[0..NF): that
 * of crm-agg --partition for the key the written row will have (brand NUL
 * customer_id, or customer_id, tabs and line ends as spaces); 1 for a
 * record with no such key (the wrong number of fields, no customer id, an
 * empty brand or one with a NUL, a key over CRM_KEY_MAX bytes), all of
 * which are rejected. */
static uint32_t partition_of(const Clean *C, const Str *f, size_t nf)
{
	if ((int)nf != C->ncols)
		return 1;
	Str id = id_key(C, field(C, f, C_CUSTOMER));
	Str b = { NULL, 0 };
	if (C->brand)
		b = (Str){ (char *)C->brand, strlen(C->brand) };
	else if (C->col[C_BRAND] >= 0 && !(b = field(C, f, C_BRAND)).n)
		return 1;
	size_t kn = b.p ? b.n + 1 + id.n : id.n;
	if (!id.n || kn > CRM_KEY_MAX || (b.p && memchr(b.p, 0, b.n)))
		return 1;
	char key[CRM_KEY_MAX];
	size_t k = 0;
	if (b.p) {
		memcpy(key, b.p, b.n);
		key[b.n] = '\0';
		k = b.n + 1;
	}
	memcpy(key + k, id.p, id.n);
	/* As put_value writes them. */
	for (size_t i = 0; i < kn; i++)
		if (key[i] == '\t' || key[i] == '\n' || key[i] == '\r')
			key[i] = ' ';
	return hash_range(hash_bytes(key, kn), C->part.n) + 1;
}

static void check(Clean *C, uint64_t line, const char *raw, size_t raw_n, const Str *f, size_t nf);

void record(Clean *C, uint64_t line, const char *raw, size_t raw_n, const Str *f, size_t nf)
{
	if (C->part.n && partition_of(C, f, nf) != C->part.i) {
		C->others++;
		return;
	}
	C->in_record = 1;
	check(C, line, raw, raw_n, f, nf);
	C->in_record = 0;
}

/* check checks the record F[0..NF) starting on LINE, with the original
 * text RAW[0..RAW_N), and writes its canonical line or rejects it. */
static void check(Clean *C, uint64_t line, const char *raw, size_t raw_n, const Str *f, size_t nf)
{
	char msg[256];
	if ((int)nf != C->ncols) {
		snprintf(msg, sizeof msg, "expected %d fields, found %zu", C->ncols, nf);
		reject(C, line, raw, raw_n, R_MALFORMED, msg);
		return;
	}
	if (C->utf8 && !utf8_valid(raw, raw_n)) {
		reject(C, line, raw, raw_n, R_ENCODING, "not valid UTF-8");
		return;
	}
	/* Required values. */
	static const int need[] = { C_CUSTOMER, C_DATE, C_SKU, C_QTY };
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		if (!field(C, f, need[i]).n) {
			snprintf(msg, sizeof msg, "%s (%s) is empty", clean_column_names[need[i]], C->names[C->col[need[i]]]);
			reject(C, line, raw, raw_n, R_MISSING, msg);
			return;
		}
	int by_amount = C->col[C_AMOUNT] >= 0;
	Str money_f = field(C, f, by_amount ? C_AMOUNT : C_PRICE);
	if (!money_f.n) {
		snprintf(msg, sizeof msg, "%s (%s) is empty", by_amount ? "amount" : "unit_price",
			 C->names[C->col[by_amount ? C_AMOUNT : C_PRICE]]);
		reject(C, line, raw, raw_n, R_MISSING, msg);
		return;
	}
	if (C->col[C_CATEGORY] >= 0 && !C->products && !field(C, f, C_CATEGORY).n) {
		reject(C, line, raw, raw_n, R_MISSING, "category is empty");
		return;
	}
	/* crm-agg keys rows by brand NUL customer_id: a brand column's value
	 * may be neither empty nor hold a NUL. */
	if (!C->brand && C->col[C_BRAND] >= 0) {
		Str b = field(C, f, C_BRAND);
		if (!b.n || memchr(b.p, 0, b.n)) {
			snprintf(msg, sizeof msg, "brand (%s) %s", C->names[C->col[C_BRAND]],
				 b.n ? "holds a NUL byte" : "is empty");
			reject(C, line, raw, raw_n, b.n ? R_MALFORMED : R_MISSING, msg);
			return;
		}
	}
	/* Values. */
	Str cust = field(C, f, C_CUSTOMER), sku = field(C, f, C_SKU), qf = field(C, f, C_QTY);
	int64_t qty, amount, price = 0;
	const char *why;
	if ((why = int_parse(qf.p, qf.n, &qty))) {
		/* 6.0 is a whole number too. */
		int64_t q6;
		if (fixed_parse(qf.p, qf.n, 0, &q6)) {
			snprintf(msg, sizeof msg, "qty '%.*s' %s", (int)(qf.n > 60 ? 60 : qf.n), qf.p, why);
			reject(C, line, raw, raw_n, R_NUMBER, msg);
			return;
		}
		qty = q6;
	}
	if (by_amount) {
		if ((why = fixed_parse(money_f.p, money_f.n, C->decimals, &amount))) {
			snprintf(msg, sizeof msg, "amount '%.*s' %s", (int)(money_f.n > 60 ? 60 : money_f.n), money_f.p, why);
			reject(C, line, raw, raw_n, R_NUMBER, msg);
			return;
		}
	} else {
		if ((why = fixed_parse(money_f.p, money_f.n, C->price_decimals, &price))) {
			snprintf(msg, sizeof msg, "unit_price '%.*s' %s", (int)(money_f.n > 60 ? 60 : money_f.n), money_f.p, why);
			reject(C, line, raw, raw_n, R_NUMBER, msg);
			return;
		}
		/* qty x price in 10^-price_decimals, to money.decimals, half away
		 * from zero; 128-bit, so no product overflows. */
		__int128 p = (__int128)qty * price;
		int64_t den = pow10_i64[C->price_decimals - C->decimals];
		__int128 q = p / den, r = p % den;
		if (r < 0 ? -r * 2 >= den : r * 2 >= den)
			q += r < 0 ? -1 : 1;
		if (q > INT64_MAX || q < -INT64_MAX) {
			reject(C, line, raw, raw_n, R_NUMBER, "qty x unit_price is out of range");
			return;
		}
		amount = (int64_t)q;
	}
	/* The key crm-agg builds (brand, NUL, id) has a bounded length. */
	Str id = id_key(C, cust);
	size_t brand_n = C->brand ? strlen(C->brand) : C->col[C_BRAND] >= 0 ? field(C, f, C_BRAND).n : 0;
	if (brand_n ? brand_n + 1 + id.n > CRM_KEY_MAX : id.n > CRM_KEY_MAX) {
		if (brand_n)
			snprintf(msg, sizeof msg, "brand and customer_id are %zu bytes: over %d together",
				 brand_n + id.n, CRM_KEY_MAX - 1);
		else
			snprintf(msg, sizeof msg, "customer_id is %zu bytes: over %d", id.n, CRM_KEY_MAX);
		reject(C, line, raw, raw_n, R_LONG_ID, msg);
		return;
	}
	Str df = field(C, f, C_DATE);
	int32_t day;
	if (parse_date(df.p, df.n, C->date_format, &day)) {
		snprintf(msg, sizeof msg, "date '%.*s' is not a %s date", (int)(df.n > 60 ? 60 : df.n), df.p,
			 formats[C->date_format]);
		reject(C, line, raw, raw_n, R_DATE, msg);
		return;
	}
	const char *category;
	size_t catn;
	if (C->products) {
		category = products_category(C->products, sku.p, sku.n);
		if (!category) {
			snprintf(msg, sizeof msg, "sku '%.*s' is not in the products file", (int)(sku.n > 60 ? 60 : sku.n), sku.p);
			reject(C, line, raw, raw_n, R_UNKNOWN_SKU, msg);
			return;
		}
		catn = strlen(category);
	} else {
		Str cf = field(C, f, C_CATEGORY);
		category = cf.p;
		catn = cf.n;
	}
	/* Business rules. */
	char d10[11];
	date_fmt(d10, day);
	if (day < C->from || day > C->to) {
		snprintf(msg, sizeof msg, "date %.10s is outside --from/--to", d10);
		reject(C, line, raw, raw_n, R_RANGE, msg);
		return;
	}
	Str order = field(C, f, C_ORDER);
	size_t pl = strlen(C->cancel_prefix);
	if (pl && order.n >= pl && memcmp(order.p, C->cancel_prefix, pl) == 0) {
		snprintf(msg, sizeof msg, "order '%.*s' starts with '%s' (clean.cancel_prefix)",
			 (int)(order.n > 60 ? 60 : order.n), order.p, C->cancel_prefix);
		reject(C, line, raw, raw_n, R_CANCELLED, msg);
		return;
	}
	if (qty == 0) {
		reject(C, line, raw, raw_n, R_ZERO_QTY, "qty is 0");
		return;
	}
	int64_t unit = by_amount ? amount : price;
	if (unit < 0 && qty > 0) {
		reject(C, line, raw, raw_n, R_NEG_PRICE, by_amount ? "amount is negative with a positive qty" :
			"unit_price is negative");
		return;
	}
	if (unit == 0 && !C->zero_price_keep) {
		reject(C, line, raw, raw_n, R_ZERO_PRICE, "the price is 0 (clean.zero_price = drop)");
		return;
	}
	if (id.n != cust.n) {
		cust = id;
		C->ids_decimals++;
	}
	XXH128_hash_t pair = { 0, 0 };
	if (C->returns == CR_NET) {
		XXH3_state_t st;
		XXH3_128bits_reset(&st);
		/* The customer is the brand's: crm-agg's key. */
		if (C->brand)
			XXH3_128bits_update(&st, C->brand, strlen(C->brand) + 1);
		else if (C->col[C_BRAND] >= 0) {
			Str b = field(C, f, C_BRAND);
			XXH3_128bits_update(&st, b.p, b.n);
			XXH3_128bits_update(&st, "", 1);
		}
		XXH3_128bits_update(&st, cust.p, cust.n);
		XXH3_128bits_update(&st, "\t", 1);
		XXH3_128bits_update(&st, sku.p, sku.n);
		pair = XXH3_128bits_digest(&st);
	}
	if (qty < 0) {
		if (C->returns == CR_DROP) {
			reject(C, line, raw, raw_n, R_RETURN, "qty is negative (clean.returns = drop)");
			return;
		}
		if (C->returns == CR_NET && !set_has(&C->bought, pair)) {
			reject(C, line, raw, raw_n, R_UNMATCHED, "a return with no earlier purchase of the product");
			return;
		}
	}
	if (C->has_max_amount && (amount > C->max_amount || amount < -C->max_amount)) {
		char a[32];
		a[fixed_fmt(a, amount, C->decimals)] = '\0';
		snprintf(msg, sizeof msg, "amount %s is beyond clean.max_amount", a);
		reject(C, line, raw, raw_n, R_OUTLIER, msg);
		return;
	}
	if (C->has_max_qty && (qty > C->max_qty || qty < -C->max_qty)) {
		snprintf(msg, sizeof msg, "qty %lld is beyond clean.max_qty", (long long)qty);
		reject(C, line, raw, raw_n, R_OUTLIER, msg);
		return;
	}
	if (C->dedup) {
		size_t n = raw_n;
		while (n && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
			n--;
		if (!set_add(&C->seen, XXH3_128bits(raw, n))) {
			reject(C, line, raw, raw_n, R_DUPLICATE, "the same record as an earlier one");
			return;
		}
	}
	if (C->returns == CR_NET && qty > 0)
		set_add(&C->bought, pair);

	/* The canonical line: [brand] date [order_id] customer_id sku category qty amount. */
	Out *o = &C->out;
	if (C->brand) {
		out_str(o, C->brand);
		out_char(o, '\t');
	} else if (C->col[C_BRAND] >= 0) {
		put_value(C, field(C, f, C_BRAND));
		out_char(o, '\t');
	}
	out_write(o, d10, 10);
	out_char(o, '\t');
	if (C->col[C_ORDER] >= 0) {
		put_value(C, order);
		out_char(o, '\t');
	}
	put_value(C, cust);
	out_char(o, '\t');
	put_value(C, sku);
	out_char(o, '\t');
	put_value(C, (Str){ (char *)category, catn });
	out_char(o, '\t');
	out_i64(o, qty);
	out_char(o, '\t');
	char *p = out_reserve(o, 24);
	o->len += fixed_fmt(p, amount, C->decimals);
	out_char(o, '\n');
	count_row(C, line, row_last_line(line, raw, raw_n));
	C->written++;
	if (day < C->first_day)
		C->first_day = day;
	if (day > C->last_day)
		C->last_day = day;
}
