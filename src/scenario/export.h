/* ntlab export: a lab as it is now, written as a scenario whose setup
 * rebuilds it with the commands a person writes (machine add, user add,
 * rights grant, service add, mailbox add, mail deliver, clock set, boot).
 * Secrets (NT hashes, service passwords, APOP secrets) are declared once as
 * `secret NAME VALUE` lines and used as ${NAME} (secret.h).
 *
 * What it rebuilds: machines (name, OS, role, domain, persona), the lab's
 * own personas, the clock, each SAM's users (NT hash, flags, full name,
 * comment, expiry, logon hours, workstations, password age) and groups
 * (non-built-in ones, memberships that differ from a fresh SAM's), each
 * policy's account policy and rights that differ from the OS's default
 * template (per focus: a member's own policy, a domain's), services (image,
 * account, password, start type, dependencies, display name), mailboxes and
 * custom recipients with their containers and APOP secrets, the messages of
 * each Maildir, and which machines run. What it leaves out (run-time state
 * no command sets): lockout counters and lock state, last logon times, the
 * event logs, a stopped service on a running machine, message flags. */
#ifndef NTLAB_SCENARIO_EXPORT_H
#define NTLAB_SCENARIO_EXPORT_H
#include <stddef.h>
#include <stdint.h>

struct lab;

struct scn_export_opts {
    const char *version;  /* the ntlab version, for the header */
    int64_t date;         /* the header's date (seconds since the epoch, UTC) */
    const char *lab_name; /* how the header names the lab (its directory) */
};

/* Writes the scenario for lab into *out (NUL-terminated, *len bytes; the
 * caller frees it). Reads every file it needs first: a malformed one fails
 * with "FILE:LINE: problem" in err and nothing in *out. Returns 0, EINVAL
 * (a malformed file, or a value no scenario line can hold: err says which),
 * ENOMEM, or the errno of a file that cannot be read. */
int scn_export(struct lab *lab, const struct scn_export_opts *o, char **out, size_t *len,
               char *err, size_t errlen);

#endif
