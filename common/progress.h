/* progress: rows read and rows per second on stderr during a long run. */
#ifndef CRM_PROGRESS_H
#define CRM_PROGRESS_H

#include <stdint.h>

typedef struct {
	int on;
	uint64_t rows, check;  /* rows so far; the count at which to look at the clock */
	double t0, next;       /* the start; when the next line is due */
} Progress;

/* progress_init starts P: ON 1 (--progress) prints, 0 (--no-progress)
 * does not, -1 prints when stderr is a terminal. */
void progress_init(Progress *p, int on);

/* progress_add counts ROWS more; a line "PROG: N rows, R rows/s" goes to
 * stderr at most four times a second. Cheap enough to call per row: the
 * clock is read only every few thousand rows. */
void progress_add(Progress *p, uint64_t rows);

/* progress_end prints the final line, "PROG: N rows in S s, R rows/s",
 * when P is on. */
void progress_end(Progress *p);

#endif
