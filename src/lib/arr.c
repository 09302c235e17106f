/* Growing arrays (arr.h). */
#include "src/lib/arr.h"
#include <stdint.h>
#include <stdlib.h>

void *arr_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? *cap * 2 : (first ? first : 1);
    if (nc <= n || elem == 0 || nc > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(v, nc * elem);
    if (p)
        *cap = nc;
    return p;
}
