/* date: calendar dates (YYYY-MM-DD) as days since 1970-01-01 and months
 * (YYYY-MM) as a month index year*12 + month-1, in the proleptic Gregorian
 * calendar. Parsing is strict: four-digit years 0001-9999, real days only. */
#ifndef CRM_DATE_H
#define CRM_DATE_H

#include <stddef.h>
#include <stdint.h>

/* NO_DAY stands for "no date": day numbers are negative before 1970, so
 * no negative number can mark a missing one. */
#define NO_DAY INT32_MIN

int32_t days_from_civil(int y, int m, int d);
void civil_from_days(int32_t days, int *y, int *m, int *d);
int days_in_month(int y, int m);

/* date_parse_ymd reads "YYYY-MM-DD" from S[0..N); returns NULL or a reason
 * ("is not a date (YYYY-MM-DD)", "is not a calendar day"). */
const char *date_parse_ymd(const char *s, size_t n, int *y, int *m, int *d);
const char *date_parse(const char *s, size_t n, int32_t *days);
/* month_parse reads "YYYY-MM" into a month index. */
const char *month_parse(const char *s, size_t n, int32_t *mon);
/* day_parse_end reads the end of a period: "YYYY-MM-DD", or "YYYY-MM"
 * meaning that month's last day; sets *DAYS. */
const char *day_parse_end(const char *s, size_t n, int32_t *days);
/* day_parse_start reads the start of a period: "YYYY-MM-DD", or "YYYY-MM"
 * meaning that month's first day; sets *DAYS. */
const char *day_parse_start(const char *s, size_t n, int32_t *days);

/* date_fmt writes "YYYY-MM-DD" (10 bytes), month_fmt "YYYY-MM" (7 bytes). */
void date_fmt(char *p, int32_t days);
void month_fmt(char *p, int32_t mon);

static inline int32_t month_index(int y, int m) { return y * 12 + m - 1; }
int32_t month_first_day(int32_t mon);
int32_t month_last_day(int32_t mon);
int32_t month_of_day(int32_t days);

/* month_elapsed returns the days of month MON measured as of day AS_OF:
 * the month's length when AS_OF is at or after its last day, AS_OF's day of
 * the month when AS_OF falls in MON. *LEN gets the month's length. MON must
 * not be after AS_OF's month. */
int month_elapsed(int32_t mon, int32_t as_of, int *len);

#endif
