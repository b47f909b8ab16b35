#include "bigmem.h"
#include "util.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE (2u << 20)

static size_t round_huge(size_t n)
{
	return (n + HUGE - 1) & ~(size_t)(HUGE - 1);
}

void *big_alloc(size_t n)
{
	size_t len = round_huge(n ? n : 1);
	/* Map one huge page more and trim, so the region starts on a 2 MiB
	 * boundary where the kernel can back it with huge pages. */
	uint8_t *p = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("out of memory (%zu bytes)", n);
	uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	size_t head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	munmap((uint8_t *)a + len, HUGE - head);
#ifdef MADV_HUGEPAGE
	madvise((void *)a, len, MADV_HUGEPAGE);
#endif
	return (void *)a;
}

void big_free(void *p, size_t n)
{
	if (p)
		munmap(p, round_huge(n ? n : 1));
}
