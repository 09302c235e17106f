/* The console's pages: the HTML, CSS and JavaScript of src/console/www/,
 * embedded in the binary by src/gen-embed.sh (no data directory, no CDN,
 * works offline). Internal to src/console: console_handle routes "/" and
 * "/static/NAME" here after the access check each needs. */
#ifndef NTLAB_CONSOLE_PAGES_H
#define NTLAB_CONSOLE_PAGES_H
#include "src/console/console.h"
#if NTLAB_CONSOLE
#include <stdbool.h>

#define PAGES_STATIC_PREFIX "/static/"
#define PAGES_NAME_MAX 64u /* a static file's name: [A-Za-z0-9_-]+ "." ext */

/* Whether path is one the pages serve ("/" or under /static/). */
bool pages_path(const char *path);

/* Answers a page request into *rs: the embedded file with its type (the
 * body points into the binary: body_static), or 404 (no such file, a name
 * that is not a plain file name: "..", "/", "%", hidden or unknown
 * extension), or 405 for a method other than GET/HEAD. Never touches the
 * file system. Returns 0 or ENOMEM (no error body could be built). */
int pages_handle(const struct console_request *rq, struct console_response *rs);
#endif
#endif
