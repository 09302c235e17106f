/* A lab: several machines in one directory, one shared virtual clock
 * setting, and the domains they form. Domain accounts and the domain policy
 * live in the domain's database (LAB/domains/NAME/{sam.txt,policy.inf}),
 * which all DCs of the domain share; member and standalone servers keep
 * their own. Layout:
 *   LAB/lab.conf               the lab: clock, domains, machines (below)
 *   LAB/NAME/                  one machine's state directory (machine.h)
 *   LAB/domains/DOMAIN/        a domain's SAM and policy
 *
 * lab.conf is text, one setting a line, '#' starts a comment:
 *   clock = 899283600          virtual clock, seconds since the epoch (UTC)
 *   clock = wall               or wall time
 *   domain = CORP nt4          a domain and the OS of its DCs (policy rules)
 *   machine = PDC              a machine, by subdirectory name, in add order
 *
 * A lab is a value: two labs in one process share nothing. Its machines are
 * loaded, not booted, when the lab is opened (lab_boot_all boots them).
 * The lab's clock is the one clock of all its machines: opening a lab sets
 * every machine's clock to it, and the clock operations below move them
 * all and persist the setting in lab.conf. */
#ifndef NTLAB_EMULATOR_LAB_H
#define NTLAB_EMULATOR_LAB_H
#include "emulator/machine.h"

/* Dependencies go one way: the lab knows its machines; a machine knows
 * only the machine_host_ops (machine.h) the lab gives it in lab_open and
 * lab_machine_add, never this header. */
struct lab;

#define LAB_MAX_MACHINES 64
#define LAB_MAX_DOMAINS 16

/* Opens the lab in dir. create: make dir and an empty lab.conf when there is
 * none (clock virtual at CLOCK_DEFAULT_START). Loads the domains' databases
 * and every machine (machine_load), points each DC at its domain's SAM and
 * policy (owns_db = false). Errors: STATUS_OBJECT_NAME_NOT_FOUND (no
 * lab.conf and !create), STATUS_INTERNAL_DB_CORRUPTION with "FILE:LINE:
 * problem" in err (a malformed lab.conf, a machine whose directory or
 * machine.conf disagrees with it, a DC of an unknown domain), the errors of
 * sam_load / lsa_load / machine_load, STATUS_NO_MEMORY. */
ntstatus lab_open(const char *dir, bool create, struct lab **out, char *err, size_t errlen);
/* Stops every running service (no events: the lab is switched off, not
 * shut down) and frees the machines and domains. */
void lab_free(struct lab *lab);
const char *lab_dir(const struct lab *lab);

/* Adds a machine: creates LAB/NAME (machine_init_dir) and lists it in
 * lab.conf. name: 1-15 letters, digits, '-' or '_' (stored upper case).
 *   pdc: creates domain `domain` (its SAM, with Administrator's password
 *        admin_password, and its DC policy); the domain must not exist yet;
 *        the domain SID is the PDC's machine SID.
 *   bdc: joins the existing domain's database.
 *   member: needs an existing domain; keeps its own SAM and policy.
 *   standalone: domain must be NULL or "".
 * The machine is not booted. Errors: STATUS_INVALID_PARAMETER (bad name,
 * bad role/domain combination), STATUS_OBJECT_NAME_COLLISION (machine name
 * or domain taken, or LAB/NAME already exists), STATUS_OBJECT_NAME_NOT_FOUND
 * (no such domain), STATUS_NO_MEMORY (LAB_MAX_MACHINES/DOMAINS reached or
 * out of memory), machine_init_dir's and the write errors. */
ntstatus lab_machine_add(struct lab *lab, const char *name, enum machine_role role, enum osver os,
                         const char *domain, const char *admin_password, struct machine **out);
/* Role changes (dcpromo.c). Windows 2000's dcpromo makes member server
 * name a domain controller of its own domain (role bdc: an additional DC;
 * the machine takes the domain's SID, its local SAM and local policy are
 * dropped for the domain's, so rights granted locally are gone), and
 * demote makes such a DC a member server again with a fresh local SAM
 * (Administrator's password admin_password) and the default member policy.
 * Either restarts the machine when it was running (the wizard's restart)
 * and logs as described in dcpromo.c. Windows NT 4.0 chose the role at
 * setup: STATUS_NOT_SUPPORTED, with the reason (a reinstall) in err; so for
 * Windows XP (no DC). STATUS_INVALID_PARAMETER with the reason in err for a
 * machine in another role (promote: not a member server; demote: not an
 * additional DC: the lab's domain lives with its first DC), STATUS_OBJECT_
 * NAME_NOT_FOUND (no such machine, or its domain has no database in the
 * lab), the writes' and boot's statuses. */
ntstatus lab_machine_promote(struct lab *lab, const char *name, char *err, size_t errlen);
ntstatus lab_machine_demote(struct lab *lab, const char *name, const char *admin_password,
                            char *err, size_t errlen);
/* The lab m lives in, NULL for a lone machine: for the layers above the
 * emulator (the CLI, the Exchange store); the emulator itself asks its lab
 * only through m->host. */
struct lab *lab_of_machine(const struct machine *m);
size_t lab_machine_count(const struct lab *lab);
struct machine *lab_machine_at(struct lab *lab, size_t i);
struct machine *lab_machine_find(struct lab *lab, const char *name); /* case-insensitive */

/* Boots every machine that is down, domain controllers first (PDCs, then
 * BDCs), then the others; stops at the first failure (its message in err).
 * A machine that booted but could not log it (machine_boot) does not stop
 * the others: that status is returned at the end, err "NAME: message".
 * Shutdown goes the other way: members and standalone servers first. */
ntstatus lab_boot_all(struct lab *lab, char *err, size_t errlen);
void lab_shutdown_all(struct lab *lab);

/* A running (booted) domain controller of `domain` in m's lab, preferring
 * the PDC, or NULL when m has no lab or no DC of that domain is running.
 * This is how a member server passes a DOMAIN\user logon through. */
struct machine *lab_domain_controller(struct lab *lab, const char *domain);

/* The domains. count/at enumerate their names; the database accessors
 * return NULL for an unknown domain. The pointers change when a boot
 * re-reads a changed file: do not keep them across boots. */
size_t lab_domain_count(const struct lab *lab);
const char *lab_domain_name(const struct lab *lab, size_t i);
struct sam *lab_domain_sam(struct lab *lab, const char *domain);
struct lsa *lab_domain_lsa(struct lab *lab, const char *domain);
/* What a DC's boot does (boot.c): re-reads the domain's sam.txt when it
 * changed on disk since last read or written (re-pointing every DC of the
 * domain at the new SAM) and refreshes its policy (lsa_refresh).
 * STATUS_OBJECT_NAME_NOT_FOUND for an unknown domain; load errors as
 * lab_open, with the previous state kept. */
ntstatus lab_domain_reload_if_changed(struct lab *lab, const char *domain, char *err,
                                      size_t errlen);
/* The path of the domain's sam.txt, or NULL for an unknown domain. */
const char *lab_domain_sam_path(const struct lab *lab, const char *domain);

/* Policy focus, as User Manager for Domains' Select Domain: "CORP" is the
 * domain's policy (applies to its DCs only); "\\EXCHSRV" is that machine's
 * own policy. Errors: STATUS_OBJECT_NAME_INVALID (empty or malformed),
 * STATUS_OBJECT_NAME_NOT_FOUND (no such domain or machine),
 * STATUS_INVALID_PARAMETER ("\\NAME" of a DC: its focus is its domain). */
ntstatus lab_policy_for_focus(struct lab *lab, const char *focus, struct lsa **out);
/* The machine whose name resolution serves that focus (the domain's PDC,
 * else a BDC; or the named machine), or NULL; same focus syntax. */
struct machine *lab_focus_machine(struct lab *lab, const char *focus);

/* The lab clock. set makes it virtual at t (t >= 0); advance needs a
 * virtual clock and a step >= 0 (else STATUS_INVALID_PARAMETER). Both move
 * every machine's clock and write lab.conf durably (its write errors are
 * returned, memory then unchanged). lab_clock_use_wall switches the lab and its machines to
 * wall time for this process only, without writing. lab_clock_run lets a virtual lab clock
 * move with real time for this process only (the daemon: clock_run), without writing; set
 * and advance keep it running and write the time they reach. */
int64_t lab_clock_now(const struct lab *lab);
bool lab_clock_is_virtual(const struct lab *lab);
ntstatus lab_clock_set(struct lab *lab, int64_t t);
ntstatus lab_clock_advance(struct lab *lab, int64_t seconds);
void lab_clock_use_wall(struct lab *lab);
void lab_clock_run(struct lab *lab);
/* Writes a virtual clock's time now to lab.conf durably (the daemon, at its
 * stop and periodically, so that the lab's time goes on from there at the
 * next start); a no-op on a wall clock. Errors: STATUS_SHARING_VIOLATION
 * when lab.conf changed on disk since this lab last read or wrote it (a
 * hand edit: it is not overwritten), the write's. */
ntstatus lab_clock_save(struct lab *lab);
/* Moves a virtual clock forward to the newest event-log record of any of
 * the lab's machines when that is later (the daemon after one that did not
 * stop cleanly: its last save is older than what it logged), writing
 * lab.conf; *moved = the seconds moved (0: nothing to do, or a wall
 * clock). Errors: lab_clock_set's. */
ntstatus lab_clock_not_before_events(struct lab *lab, int64_t *moved);

#endif
