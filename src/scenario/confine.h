/* A scenario's file references stay inside its own directory tree.
 * Scenarios are shared as bug reports: `include ../../../etc/passwd` or
 * `ntlab mail deliver alice /etc/shadow` must not read the runner's files
 * (the first quoted the file in an error, the second served it over RETR).
 * The tree is the directory the top-level scenario file is named in (where
 * its includes are resolved), symlinks resolved; a name is
 * inside when its real path (symlinks resolved) is that directory or below
 * it, compared by whole path components. `ntlab run --allow-outside-files`
 * lifts the rule (scn_parse_opts.allow_outside_files). */
#ifndef NTLAB_SCENARIO_CONFINE_H
#define NTLAB_SCENARIO_CONFINE_H
#include <stdbool.h>
#include <stddef.h>

/* The real path of the directory that path is in (for a scenario held in
 * memory, the directory its name points into). 0 or an errno value. */
int scn_confine_root(const char *path, char *root, size_t n);
/* Whether the real path real lies inside the real directory root. */
bool scn_confine_inside(const char *root, const char *real);
/* Whether a parse error may quote a file's text: only scenario files and
 * fragments (*.scn, *.inc). Any other file an include reaches (with
 * --allow-outside-files) is named by FILE:LINE alone. */
bool scn_confine_quotable(const char *path);
/* Joins a name written in file from (relative names are relative to from's
 * directory, as include's) into out. 0 or ENAMETOOLONG. */
int scn_confine_join(const char *from, const char *arg, char *out, size_t n);

#endif
