/* Growing arrays: the one doubling step that every list in the tree takes. */
#ifndef NTLAB_LIB_ARR_H
#define NTLAB_LIB_ARR_H
#include <stddef.h>

/* Room for element n of the array v (capacity *cap, elements of elem
 * bytes): returns v itself while n < *cap, else v reallocated to twice
 * *cap (first when *cap is 0) with *cap updated. NULL when out of memory
 * or the size would overflow; v is then unchanged and still owned by the
 * caller. Usage:  T *p = arr_grow(a->v, &a->cap, a->n, sizeof *p, 16);
 *                 if (!p) return ENOMEM;  a->v = p; */
void *arr_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first);

#endif
