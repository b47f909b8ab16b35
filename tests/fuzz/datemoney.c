/* datemoney: common/date.c and common/money.c on arbitrary bytes, with
 * their round trips as properties:
 *   fixed_fmt(fixed_parse(s)) parses back to the same value, and
 *   fixed_parse(fixed_fmt(v)) == v for any int64 v and 0..18 decimals;
 *   int_parse agrees with fixed_parse at 0 decimals where both accept;
 *   date_fmt(date_parse(s)) == s for a date, the same for months;
 *   civil_from_days(days_from_civil(y, m, d)) == (y, m, d) for real days.
 * The first byte picks the decimals; the rest is the text. Any broken
 * property aborts. */
#include "fuzz.h"
#include "date.h"
#include "money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fail reports a broken property on input S and aborts. */
static void fail(const char *what, const uint8_t *s, size_t n)
{
	fprintf(stderr, "fuzz-datemoney: %s: '%.*s'\n", what, (int)n, (const char *)s);
	abort();
}

/* money checks the money properties on DATA read at DEC decimals. */
static void money(const uint8_t *data, size_t size, int dec)
{
	const char *s = (const char *)data;
	int64_t v, w;
	char buf[32];
	if (!fixed_parse(s, size, dec, &v)) {
		size_t n = fixed_fmt(buf, v, dec);
		if (n > 22)
			fail("fixed_fmt longer than 22 bytes", data, size);
		if (fixed_parse(buf, n, dec, &w) || w != v)
			fail("fixed_parse(fixed_fmt(fixed_parse(s))) differs", data, size);
	}
	int64_t i, f;
	const char *ei = int_parse(s, size, &i), *ef = fixed_parse(s, size, 0, &f);
	if (!ei && (ef || i != f))
		fail("int_parse accepts what fixed_parse(0) reads otherwise", data, size);
	if (ei && !ef && !memchr(s, '.', size))
		fail("int_parse rejects a whole number fixed_parse(0) reads", data, size);

	/* Any 8 bytes as an int64, formatted and read back. */
	if (size >= 8) {
		memcpy(&v, data + size - 8, 8);
		if (v == INT64_MIN)
			v++; /* out of range by design: its negation overflows */
		size_t n = fixed_fmt(buf, v, dec);
		if (n > 22)
			fail("fixed_fmt longer than 22 bytes", data, size);
		if (fixed_parse(buf, n, dec, &w) || w != v)
			fail("fixed_parse(fixed_fmt(v)) != v", data, size);
		/* The rounding helpers agree with exact 128-bit arithmetic. */
		int64_t den = (int64_t)((uint64_t)data[0] * 977 + 1);
		int64_t q = div_round(v, den);
		__int128 r = (__int128)v - (__int128)q * den;
		if (r * 2 > den || r * 2 < -den || (r * 2 == den && v > 0) || (r * 2 == -den && v < 0))
			fail("div_round is not rounded half away from zero", data, size);
		if (mul_div_round(v, 1, den) != q)
			fail("mul_div_round(v, 1, d) != div_round(v, d)", data, size);
	}
}

/* dates checks the date and month properties on DATA. */
static void dates(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int32_t days, mon;
	char buf[16];
	if (!date_parse(s, size, &days)) {
		date_fmt(buf, days);
		if (size != 10 || memcmp(buf, s, 10) != 0)
			fail("date_fmt(date_parse(s)) != s", data, size);
		if (month_of_day(days) != month_index(atoi(s), atoi(s + 5)))
			fail("month_of_day disagrees with the text", data, size);
		int32_t m = month_of_day(days);
		if (days < month_first_day(m) || days > month_last_day(m))
			fail("a day outside its month", data, size);
	}
	if (!month_parse(s, size, &mon)) {
		month_fmt(buf, mon);
		if (size != 7 || memcmp(buf, s, 7) != 0)
			fail("month_fmt(month_parse(s)) != s", data, size);
		if (month_of_day(month_first_day(mon)) != mon || month_of_day(month_last_day(mon)) != mon)
			fail("month_first_day/month_last_day leave the month", data, size);
	}
	/* Any day number within the supported years round-trips. */
	if (size >= 4) {
		int32_t z;
		memcpy(&z, data, 4);
		int32_t lo = days_from_civil(1, 1, 1), hi = days_from_civil(9999, 12, 31);
		z = lo + (int32_t)((uint32_t)z % (uint32_t)(hi - lo + 1));
		int y, m, d;
		civil_from_days(z, &y, &m, &d);
		if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) ||
		    days_from_civil(y, m, d) != z)
			fail("civil_from_days/days_from_civil round trip", data, size);
		date_fmt(buf, z);
		int32_t back;
		if (date_parse(buf, 10, &back) || back != z)
			fail("date_parse(date_fmt(z)) != z", data, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int dec = data[0] % 19;
	money(data + 1, size - 1, dec);
	dates(data + 1, size - 1);
	return 0;
}
