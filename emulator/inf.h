/* Security templates (secedit INF): the on-disk form of the LSA policy.
 *
 * READER. Accepts UTF-16LE with BOM, or UTF-8 (BOM optional) / ASCII; CRLF or
 * LF line ends. Blank lines and lines whose first non-blank character is ';'
 * are ignored. Section and key names are case-insensitive; right names are
 * exact-case (as ntrights). Known sections:
 *   [Unicode]          Unicode=yes|no
 *   [Version]          signature="$CHICAGO$" (required), Revision=1 (if given)
 *   [System Access]    MinimumPasswordAge, MaximumPasswordAge,
 *                      MinimumPasswordLength, PasswordHistorySize,
 *                      LockoutBadCount, ResetLockoutCount, LockoutDuration,
 *                      ForceLogoffWhenHourExpire (decimal, range-checked);
 *                      other keys are kept verbatim
 *   [Privilege Rights] SeXxx = *S-1-5-32-544,DOMAIN\name,...  (an entry with
 *                      '*' is a SID, otherwise an account name; an empty
 *                      value means nobody). Each right at most once.
 * Any other section is kept verbatim (its lines, comments included, in order).
 * Every problem is reported as "PATH:LINE: problem" and nothing is returned.
 *
 * WRITER. One canonical form, so that a policy file diffs cleanly:
 *   - UTF-8 (plain ASCII unless an account name is not), no BOM, CRLF ends;
 *   - sections in this order: [Unicode] (Unicode=yes), [Version]
 *     (signature="$CHICAGO$", Revision=1), [System Access] (known keys in the
 *     order listed above, only those set, then unknown keys verbatim),
 *     [Privilege Rights], then the other sections as read;
 *   - "Key = Value" with one space around '=' in [System Access] and
 *     [Privilege Rights];
 *   - one line per right that has at least one holder, in right-index
 *     order (rights.h); on each line the SIDs as *S-1-... sorted by
 *     sid_compare, then unresolved account names sorted case-insensitively;
 *     duplicates removed;
 *   - comments of the known sections and blank lines are not preserved. */
#ifndef NTLAB_EMULATOR_INF_H
#define NTLAB_EMULATOR_INF_H
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "emulator/sid.h"
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on hostile input. */
struct inf_limits {
    size_t max_file;    /* bytes of the file as stored */
    size_t max_line;    /* bytes of one decoded line */
    size_t max_entries; /* account entries over all of [Privilege Rights];
                           also the bound on lines kept verbatim */
};
#define INF_MAX_FILE ((size_t)16 << 20)
#define INF_MAX_LINE ((size_t)8 << 20)
#define INF_MAX_ENTRIES ((size_t)1000000)
#define INF_MAX_NAME 256 /* bytes of one account name entry */
extern const struct inf_limits inf_default_limits;

/* [System Access] keys, in writing order. */
enum inf_sa {
    INF_SA_MIN_PASSWORD_AGE,
    INF_SA_MAX_PASSWORD_AGE,
    INF_SA_MIN_PASSWORD_LENGTH,
    INF_SA_PASSWORD_HISTORY,
    INF_SA_LOCKOUT_BAD_COUNT,
    INF_SA_RESET_LOCKOUT_COUNT,
    INF_SA_LOCKOUT_DURATION,
    INF_SA_FORCE_LOGOFF,
    INF_SA_COUNT
};
/* "MinimumPasswordAge", ... */
const char *inf_sa_key(enum inf_sa k);
/* The key named (case-insensitive, as `ntlab policy set` and the console
 * take it): true with *out set, false when none is. */
bool inf_sa_lookup(const char *name, enum inf_sa *out);
/* True when v is a value the template allows for k. */
bool inf_sa_valid(enum inf_sa k, int v);

/* One holder of one right: a SID (name == NULL) or an account name. */
struct inf_grant {
    unsigned right; /* rights.h index */
    struct sid sid;
    char *name;     /* malloc'd; NULL for a SID entry */
};

struct inf_section {
    char *name;    /* as written between the brackets */
    char **lines;  /* verbatim lines without line ends */
    size_t nlines;
};

struct inf {
    bool sa_set[INF_SA_COUNT];
    int sa[INF_SA_COUNT];
    char **sa_extra; /* unknown [System Access] lines, trimmed, verbatim */
    size_t n_sa_extra;
    struct inf_grant *grants;
    size_t ngrants, cap_grants;
    struct inf_section *sections; /* other sections */
    size_t nsections;
};

/* An empty document (no allocation). */
void inf_init(struct inf *doc);
/* Frees everything the document owns; it is empty afterwards. */
void inf_free(struct inf *doc);

/* Parses data (len bytes) into *doc (which it initializes). path only
 * names the input in messages. Rights are checked against os.
 * Returns STATUS_SUCCESS; STATUS_INTERNAL_DB_CORRUPTION with
 * "PATH:LINE: problem" (or "PATH: problem" for the encoding or size) in err
 * for malformed input; STATUS_NO_SUCH_PRIVILEGE with the same form for a
 * right that is unknown or that this OS lacks; STATUS_NO_MEMORY.
 * On failure *doc is left empty. lim NULL = inf_default_limits. */
ntstatus inf_parse(const char *path, const char *data, size_t len, enum osver os,
                   const struct inf_limits *lim, struct inf *doc, char *err, size_t errlen);

/* Appends a grant (copies name). Returns 0 or ENOMEM. */
int inf_add_grant(struct inf *doc, unsigned right, const struct sid *sid, const char *name);

/* Writes the canonical form (see above) to out; sorts doc->grants in place.
 * Returns 0 or ENOMEM. */
int inf_write(struct inf *doc, struct buf *out);

#endif
