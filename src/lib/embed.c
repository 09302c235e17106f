#include "src/lib/embed.h"
#include <string.h>

const struct embed_file *embed_find(const char *path)
{
    size_t n;
    const struct embed_file *t = embed_files(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].path, path) == 0)
            return &t[i];
    return NULL;
}
