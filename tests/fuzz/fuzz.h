/* fuzz: what every libFuzzer harness of crm shares (support.c). See README
 * for why the code under test is built with exit renamed to crm_fuzz_exit. */
#ifndef CRM_FUZZ_H
#define CRM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_run calls FN(ARG) and returns -1 when it returned, or the status it
 * gave exit() (die() exits 1, usage_fail 2): the exit is turned into a
 * longjmp back here. Descriptors FN left open are closed and fd 1 is
 * /dev/null again (out_close closes it), so the next input starts clean. */
int fuzz_run(void (*fn)(void *arg), void *arg);
/* fuzz_run_unrecorded is fuzz_run keeping what FN allocates: for a first
 * run that fills a cache the code under test keeps in static storage. */
int fuzz_run_unrecorded(void (*fn)(void *arg), void *arg);

/* The longest input a harness is given (-max_len): tsv.c's table of tab
 * positions is made large enough for it once. */
#define FUZZ_MAX_LEN 65536

/* fuzz_dir returns a private temporary directory, made once and removed at
 * exit; fuzz_write writes DATA[0..N) to NAME in it and returns the path
 * (static storage, valid until the next call). */
const char *fuzz_dir(void);
const char *fuzz_write(const char *name, const void *data, size_t n);

/* Columns the tools write and read, by kind: fuzz_column_kind gives the
 * kind of a column name (FK_TEXT when not listed), fuzz_parse_field reads
 * a field of that kind into *V (money at 2 decimals, dates as day numbers,
 * an empty date allowed) and returns NULL or the parser's reason. */
enum { FK_TEXT, FK_DATE, FK_MONTH, FK_PERIOD, FK_MONEY, FK_INT };
int fuzz_column_kind(const char *name);
const char *fuzz_parse_field(int kind, Field f, int64_t *v);

/* fuzz_check_tsv reads the TSV file PATH a tool wrote from INPUT and
 * dies, naming file, line and field, at a field its kind's parser rejects;
 * columns INPUT's header also has are the tool's to pass on as they came
 * and are not checked. */
void fuzz_check_tsv(const char *path, const char *input);

/* fuzz_json_check returns 0 when S[0..N) is one JSON value (RFC 8259)
 * with white space around it, or 1 + the offset of the first byte that
 * is not. */
size_t fuzz_json_check(const char *s, size_t n);

#endif
