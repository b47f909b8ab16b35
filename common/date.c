#include "date.h"

/* Howard Hinnant's days_from_civil/civil_from_days: exact for any year. */
int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int yy = (int)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

int days_in_month(int y, int m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		unsigned c = (unsigned)(s[i] - '0');
		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
	}
	return v;
}

const char *date_parse_ymd(const char *s, size_t n, int *y, int *m, int *d)
{
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return "is not a date (YYYY-MM-DD)";
	int yy = digits(s, 4), mm = digits(s + 5, 2), dd = digits(s + 8, 2);
	if (yy < 0 || mm < 0 || dd < 0)
		return "is not a date (YYYY-MM-DD)";
	if (yy < 1 || mm < 1 || mm > 12 || dd < 1 || dd > days_in_month(yy, mm))
		return "is not a calendar day";
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

const char *date_parse(const char *s, size_t n, int32_t *days)
{
	int y, m, d;
	const char *e = date_parse_ymd(s, n, &y, &m, &d);
	if (!e)
		*days = days_from_civil(y, m, d);
	return e;
}

const char *month_parse(const char *s, size_t n, int32_t *mon)
{
	if (n != 7 || s[4] != '-')
		return "is not a month (YYYY-MM)";
	int yy = digits(s, 4), mm = digits(s + 5, 2);
	if (yy < 1 || mm < 1 || mm > 12)
		return "is not a month (YYYY-MM)";
	*mon = month_index(yy, mm);
	return 0;
}

/* day_or_month reads a date, or a month taken as its first (END 0) or
 * last (END 1) day. */
static const char *day_or_month(const char *s, size_t n, int32_t *days, int end)
{
	int32_t mon;
	if (n == 7) {
		if (month_parse(s, n, &mon))
			return "is not a date (YYYY-MM-DD) or a month (YYYY-MM)";
		*days = end ? month_last_day(mon) : month_first_day(mon);
		return 0;
	}
	return date_parse(s, n, days);
}

const char *day_parse_end(const char *s, size_t n, int32_t *days)
{
	return day_or_month(s, n, days, 1);
}

const char *day_parse_start(const char *s, size_t n, int32_t *days)
{
	return day_or_month(s, n, days, 0);
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void date_fmt(char *p, int32_t days)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	put2(p, y / 100);
	put2(p + 2, y % 100);
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
}

void month_fmt(char *p, int32_t mon)
{
	int y = mon / 12, m = mon % 12 + 1;
	put2(p, y / 100);
	put2(p + 2, y % 100);
	p[4] = '-';
	put2(p + 5, m);
}

int32_t month_first_day(int32_t mon)
{
	return days_from_civil(mon / 12, mon % 12 + 1, 1);
}

int32_t month_last_day(int32_t mon)
{
	return month_first_day(mon + 1) - 1;
}

int32_t month_of_day(int32_t days)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	return month_index(y, m);
}

int month_elapsed(int32_t mon, int32_t as_of, int *len)
{
	int32_t first = month_first_day(mon);
	int n = (int)(month_first_day(mon + 1) - first);
	*len = n;
	int32_t e = as_of - first + 1;
	return e < n ? (int)e : n;
}
