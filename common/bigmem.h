/* bigmem: large allocations mapped in 2 MiB-aligned regions with transparent
 * huge pages requested, for tables and buffers of many megabytes. On a
 * virtual machine a 4 KiB page fault and TLB miss cost far more than the
 * work done per page; huge pages take 512 times fewer of both. */
#ifndef CRM_BIGMEM_H
#define CRM_BIGMEM_H

#include <stddef.h>

/* big_alloc returns N zeroed bytes (fatal when out of memory). */
void *big_alloc(size_t n);
void big_free(void *p, size_t n);

#endif
