/* money: exact fixed-point numbers. Amounts are int64 counts of minor units
 * (cents when money.decimals = 2); nothing is ever summed in floating point.
 *
 * Rounding: wherever a division is needed (averages, rates), the result is
 * rounded half away from zero to the unit of the result ("commercial"
 * rounding, as SQL ROUND and sqlite3's round() do), by div_round(). */
#ifndef CRM_MONEY_H
#define CRM_MONEY_H

#include <stddef.h>
#include <stdint.h>

extern const int64_t pow10_i64[19];

/* fixed_parse reads "-?D+(.D+)?" from S[0..N) as an integer count of
 * 10^-DECIMALS units. Fraction digits beyond DECIMALS are accepted only when
 * they are zeros, so nothing is rounded silently. Returns NULL on success or
 * a reason for the message: "is not a number", "has more than N decimals",
 * "is out of range". */
const char *fixed_parse(const char *s, size_t n, int decimals, int64_t *v);

/* int_parse reads "-?D+" from S[0..N) into *v; returns NULL or a reason. */
const char *int_parse(const char *s, size_t n, int64_t *v);

/* fixed_fmt writes V (in 10^-DECIMALS units) as "-12.50" at P and returns
 * the length (at most 22 bytes). */
size_t fixed_fmt(char *p, int64_t v, int decimals);

/* div_round returns NUM/DEN rounded half away from zero; DEN > 0. */
int64_t div_round(int64_t num, int64_t den);

/* mul_div_round returns A*B/DEN rounded half away from zero, computed in
 * 128-bit so the product cannot overflow; DEN > 0. */
int64_t mul_div_round(int64_t a, int64_t b, int64_t den);

/* mul_div_check sets *Q to A*B/DEN rounded half away from zero (DEN != 0,
 * either sign) and returns 0, or returns -1 when the quotient is beyond
 * int64 (leaving *Q). */
int mul_div_check(int64_t a, int64_t b, int64_t den, int64_t *q);

/* add_check adds B to *A and returns -1 on int64 overflow (leaving *A). */
static inline int add_check(int64_t *a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(*a, b, &r))
		return -1;
	*a = r;
	return 0;
}

/* sub_check subtracts B from *A and returns -1 on int64 overflow (leaving
 * *A). */
static inline int sub_check(int64_t *a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(*a, b, &r))
		return -1;
	*a = r;
	return 0;
}

#endif
