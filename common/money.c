#include "money.h"
#include "out.h"

#include <stdio.h>
#include <string.h>

const int64_t pow10_i64[19] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL,
};

const char *fixed_parse(const char *s, size_t n, int decimals, int64_t *v)
{
	static char reason[40];
	const char *e = s + n;
	int neg = 0;
	if (s < e && *s == '-') {
		neg = 1;
		s++;
	}
	if (s == e || (unsigned)(*s - '0') > 9)
		return "is not a number";
	uint64_t x = 0;
	int digits = 0, frac = 0;
	for (; s < e && (unsigned)(*s - '0') <= 9; s++, digits++)
		x = x * 10 + (unsigned)(*s - '0');
	if (s < e && *s == '.') {
		s++;
		if (s == e || (unsigned)(*s - '0') > 9)
			return "is not a number";
		for (; s < e && (unsigned)(*s - '0') <= 9; s++) {
			unsigned d = (unsigned)(*s - '0');
			if (frac >= decimals) {
				if (d != 0) {
					snprintf(reason, sizeof reason,
						 "has more than %d decimals", decimals);
					return reason;
				}
				continue;
			}
			x = x * 10 + d;
			frac++;
			digits++;
		}
	}
	if (s != e)
		return "is not a number";
	/* Up to 18 digits always fit; longer numbers are summed again with
	 * checks. The limit keeps INT64_MIN out, so negation is defined. */
	if (digits + decimals - frac > 18) {
		const char *p = e - n + neg;
		int f = -1;
		x = 0;
		for (; p < e; p++) {
			if (*p == '.') {
				f = 0;
				continue;
			}
			if (f >= decimals)
				break;
			unsigned d = (unsigned)(*p - '0');
			if (x > ((uint64_t)INT64_MAX - d) / 10)
				return "is out of range";
			x = x * 10 + d;
			if (f >= 0)
				f++;
		}
		for (frac = f < 0 ? 0 : f; frac < decimals; frac++) {
			if (x > (uint64_t)INT64_MAX / 10)
				return "is out of range";
			x *= 10;
		}
	} else {
		for (; frac < decimals; frac++)
			x *= 10;
	}
	*v = neg ? -(int64_t)x : (int64_t)x;
	return NULL;
}

const char *int_parse(const char *s, size_t n, int64_t *v)
{
	if (n > 0 && n <= 18) {
		size_t i = s[0] == '-';
		uint64_t x = 0;
		for (; i < n && (unsigned)(s[i] - '0') <= 9; i++)
			x = x * 10 + (unsigned)(s[i] - '0');
		if (i == n && n > (size_t)(s[0] == '-')) {
			*v = s[0] == '-' ? -(int64_t)x : (int64_t)x;
			return NULL;
		}
	}
	if (memchr(s, '.', n))
		return "is not a whole number";
	return fixed_parse(s, n, 0, v);
}

size_t fixed_fmt(char *p, int64_t v, int decimals)
{
	uint64_t x = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0;
	if (v < 0)
		p[n++] = '-';
	if (decimals == 0)
		return n + fmt_u64(p + n, x);
	uint64_t unit = (uint64_t)pow10_i64[decimals], frac = x % unit;
	n += fmt_u64(p + n, x / unit);
	p[n++] = '.';
	for (int i = decimals - 1; i >= 0; i--) {
		p[n + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	return n + (size_t)decimals;
}

int64_t div_round(int64_t num, int64_t den)
{
	int64_t q = num / den, r = num % den;
	/* |r| >= den - |r| means the remainder is at least half: away from 0. */
	if (r < 0) {
		if (-r >= den + r)
			q--;
	} else if (r > 0 && r >= den - r) {
		q++;
	}
	return q;
}

int64_t mul_div_round(int64_t a, int64_t b, int64_t den)
{
	__int128 p = (__int128)a * b;
	__int128 q = p / den, r = p % den;
	if (r < 0) {
		if (-r >= den + r)
			q--;
	} else if (r > 0 && r >= den - r) {
		q++;
	}
	return (int64_t)q;
}

int mul_div_check(int64_t a, int64_t b, int64_t den, int64_t *q)
{
	__int128 p = (__int128)a * b, d = den;
	if (d < 0) {
		p = -p;
		d = -d;
	}
	__int128 x = p / d, r = p % d;
	if (r < 0) {
		if (-r >= d + r)
			x--;
	} else if (r > 0 && r >= d - r) {
		x++;
	}
	if (x > INT64_MAX || x < INT64_MIN)
		return -1;
	*q = (int64_t)x;
	return 0;
}
