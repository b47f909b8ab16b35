/* tmpfile: anonymous temporary files for spilling. The file has no name
 * (O_TMPFILE, or unlinked at once where that is missing), so nothing is left
 * behind on any exit path, SIGKILL included. */
#ifndef CRM_TMPFILE_H
#define CRM_TMPFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	int fd;
	uint64_t size;     /* bytes written so far (the append offset) */
	const char *dir;
} TmpFile;

/* tmp_dir returns DIR, or $TMPDIR, or "/tmp". */
const char *tmp_dir(const char *dir);
/* tmp_open creates an anonymous file in DIR; failure is fatal. */
void tmp_open(TmpFile *t, const char *dir);
/* tmp_append writes N bytes at the end and returns their offset; a failed
 * or short write (a full disk) is fatal and names the directory. */
uint64_t tmp_append(TmpFile *t, const void *p, size_t n);
/* tmp_read reads N bytes at OFF into P; failure is fatal. */
void tmp_read(TmpFile *t, uint64_t off, void *p, size_t n);
void tmp_close(TmpFile *t);

#endif
