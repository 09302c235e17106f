/* One emulated NT machine: a value created from its state directory. It
 * holds its identity, clock, SAM, LSA policy, event log and (scm.h) its
 * services. Two machines in one process share nothing, except that the
 * domain controllers of one domain share that domain's SAM and policy
 * (lab.h), as NT replicates them.
 *
 * State directory of a machine (all text, see README "Lab directory"):
 *   machine.conf   identity: name, os, role, domain, machine SID, clock, and
 *                  settings of installed products it keeps unread (below)
 *   policy.inf     local LSA policy (member/standalone; DCs use the domain's)
 *   sam.txt        local SAM (member/standalone; DCs use the domain's)
 *   services.conf  services (scm.h)
 *   eventlog/      System.evt, Application.evt, Security.evt
 *   exchange.conf, mailboxes.conf, mail/ALIAS/{tmp,new,cur}  (the Exchange
 *                  store's own files, src/exchange; the emulator never reads them)
 */
#ifndef NTLAB_EMULATOR_MACHINE_H
#define NTLAB_EMULATOR_MACHINE_H
#include "emulator/clock.h"
#include "emulator/evtlog.h"
#include "emulator/lsa.h"
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "emulator/sam.h"
#include "emulator/sid.h"
#include "src/lib/filesig.h"
#include <limits.h>
#include <stdbool.h>

#define MACHINE_NAME_MAX 15 /* NetBIOS computer names */
#define MACHINE_SETTINGS_MAX 16 /* machine.conf keys the emulator keeps unread */
#define MACHINE_SETTING_KEY_MAX 32

enum machine_role {
    ROLE_STANDALONE, /* workgroup server: own SAM and policy, no domain */
    ROLE_MEMBER,     /* member server: own SAM and policy, domain logons via the DC */
    ROLE_PDC,        /* primary domain controller: the domain's SAM and policy */
    ROLE_BDC,        /* backup domain controller: shares them with the PDC */
};

struct scm;
struct machine; /* opaque: the accessors below; the struct is emulator/machine_int.h's */

/* What a machine needs from the lab it lives in, and nothing more: the
 * dependency goes one way, lab -> machine. lab.c fills this in when it
 * creates or loads a machine (and knows machines); machine.c, boot.c,
 * logon.c, scm.c and machine_save.c call only these and never include
 * lab.h. A lone machine has no host (ops NULL): it has no domain to ask.
 * The lab's clock needs no call: the lab sets every machine's clock. */
struct machine_host_ops {
    /* A running domain controller of `domain`, preferring the PDC, or NULL
     * (a member server's pass-through logon). */
    struct machine *(*domain_controller)(void *ctx, const char *domain);
    /* The SAM of `domain`, or NULL for an unknown one (name resolution). */
    struct sam *(*domain_sam)(void *ctx, const char *domain);
    /* A DC's boot: re-reads the domain's database if it changed on disk
     * (lab_domain_reload_if_changed's contract). */
    ntstatus (*domain_reload_if_changed)(void *ctx, const char *domain, char *err,
                                         size_t errlen);
};

struct machine_host {
    const struct machine_host_ops *ops; /* NULL for a lone machine */
    void *ctx;                          /* the lab; passed to every op */
};

/* --- Accessors -----------------------------------------------------------
 * What a machine is and holds, for code outside the emulator (the struct is
 * the emulator's: emulator/machine_int.h). m must not be NULL. Strings and
 * parts are owned by the machine and valid until machine_free (a DC's SAM
 * and LSA belong to its lab's domain and live as long as the lab). */
const char *machine_name(const struct machine *m); /* "EXCHSRV" (upper case) */
enum osver machine_os(const struct machine *m);
enum machine_role machine_role(const struct machine *m);
const char *machine_domain(const struct machine *m);    /* "CORP"; "" for standalone */
const struct sid *machine_sid(const struct machine *m); /* S-1-5-21-a-b-c */
const char *machine_dir(const struct machine *m);       /* state directory; "" in memory */
bool machine_running(const struct machine *m);          /* booted and not shut down */
const struct clock *machine_clock(const struct machine *m);
int64_t machine_now(const struct machine *m); /* clock_now(machine_clock(m)) */
/* The databases: the local SAM and policy, on a DC the domain's; NULL on a
 * DC of a lab whose domain database is not attached. */
struct sam *machine_sam(const struct machine *m);
struct lsa *machine_lsa(const struct machine *m);
bool machine_owns_db(const struct machine *m);          /* false on a DC in a lab */
struct evtlog *machine_evtlog(const struct machine *m); /* NULL: none open */
struct scm *machine_scm(const struct machine *m);       /* NULL until scm_attach */
/* Moves a lone machine's clock (a machine of a lab moves with the lab's:
 * lab_clock_advance, lab_clock_set). advance needs a virtual clock and
 * seconds >= 0, set a virtual clock at t >= 0: else
 * STATUS_INVALID_PARAMETER, and the clock is unchanged. */
ntstatus machine_clock_advance(struct machine *m, int64_t seconds);
ntstatus machine_clock_set(struct machine *m, int64_t t);

/* Creates a lone in-memory machine (no state directory) with a fresh SAM
 * (Administrator password admin_password) and the default policy of its OS
 * and role (policies/), on a virtual clock at CLOCK_DEFAULT_START.
 * name and domain: 1-15 letters, digits, '-' or '_' (stored upper case);
 * domain NULL/"" exactly for ROLE_STANDALONE; Windows XP cannot be a DC.
 * The machine SID is derived from the name (reproducible). On a DC the SAM
 * is the domain's (named after the domain, SID = the machine SID). Not
 * booted (running = false).
 * Returns STATUS_SUCCESS, STATUS_INVALID_PARAMETER (bad name, role/domain
 * combination), STATUS_NO_MEMORY. */
ntstatus machine_create(const char *name, enum osver os, enum machine_role role,
                        const char *domain, const char *admin_password, struct machine **out);
/* Frees the machine and everything it owns. */
void machine_free(struct machine *m);

/* Creates the state directory dir for a new machine (fails with
 * STATUS_OBJECT_NAME_COLLISION if machine.conf exists there) and writes it:
 * machine.conf (format at the top of machine.c), sam.txt, policy.inf (the
 * default template) and eventlog/. Same parameter rules as machine_create. */
ntstatus machine_init_dir(const char *dir, const char *name, enum osver os,
                          enum machine_role role, const char *domain,
                          const char *admin_password, struct machine **out);
/* Loads a machine from its state directory: machine.conf, sam.txt,
 * policy.inf (account names resolved through the machine) and eventlog/.
 * Not booted. A DC in a lab has no sam.txt of its own: it is loaded with
 * sam = lsa = NULL and owns_db = false for the lab to attach the domain
 * database (lab.h); a lone DC (machine_init_dir without a lab) keeps the
 * domain's sam.txt and policy.inf in its own directory and loads them.
 * Errors: STATUS_OBJECT_NAME_NOT_FOUND (no machine.conf; a member or
 * standalone server without sam.txt or policy.inf), STATUS_INTERNAL_DB_CORRUPTION
 * with "FILE:LINE: problem" in err on a malformed file, the load errors of
 * sam_load / lsa_load / evtlog_open, STATUS_NO_MEMORY. */
ntstatus machine_load(const char *dir, struct machine **out, char *err, size_t errlen);
/* Writes machine.conf (identity, the clock and the settings kept unread)
 * durably; a no-op for an in-memory machine. */
ntstatus machine_save_conf(const struct machine *m);

/* Settings of machine.conf that the emulator does not interpret: a line
 * with another key than its own (1-32 letters, digits, '.', '_' or '-';
 * at most MACHINE_SETTINGS_MAX of them, each once) is kept verbatim and
 * written back by machine_save_conf. They belong to the products installed
 * on the machine: a lab written by an older ntlab kept the Exchange
 * store's persona there (src/exchange moves it to its own file).
 * machine_setting: the value of key (case-insensitive), or NULL; owned by
 * the machine, valid until the setting is removed or the machine freed.
 * machine_setting_remove: drops key and writes machine.conf; on a failed
 * write the setting is kept (memory stays equal to disk) and the write's
 * status returned. STATUS_SUCCESS when key is not there. */
const char *machine_setting(const struct machine *m, const char *key);
ntstatus machine_setting_remove(struct machine *m, const char *key);

/* The embedded default policy of a fresh machine ("policies/nt4-member.inf",
 * ...; embed_find), or NULL (an XP domain controller: none). */
const char *machine_policy_template(enum osver os, bool dc);
const char *machine_role_name(enum machine_role r); /* "standalone", "member", "pdc", "bdc" */
bool machine_role_parse(const char *s, enum machine_role *out);
bool machine_is_dc(const struct machine *m);
/* A NetBIOS-style computer or domain name, 1..max letters, digits, '-' or
 * '_' (it also names a directory: no path tricks possible). The one check
 * of machine.conf, lab.conf and the lab's and machine's parameters. */
bool machine_name_valid(const char *s, size_t max);

/* Name resolution used by the LSA and the CLI: "name", ".\name",
 * "MACHINE\name", "DOMAIN\name" (through the domain DC), well-known names
 * ("Everyone", "BUILTIN\Administrators", "NT AUTHORITY\SYSTEM"), or
 * "*S-1-..." / "S-1-...". Returns STATUS_SUCCESS or STATUS_NONE_MAPPED. */
ntstatus machine_resolve(struct machine *m, const char *name, struct sid *out);
/* "CORP\alice", "EXCHSRV\EXCHSVC", "BUILTIN\Administrators", or the SID
 * string when unknown. */
void machine_sid_name(struct machine *m, const struct sid *sid, char *out, size_t n);

/* --- Boot, shutdown, reboot (boot.c) ------------------------------------
 * Boot: re-reads from disk what another writer changed since it was last
 * read or written (the SAM and policy.inf of a member or standalone server;
 * on a DC in a lab, the domain's database; services.conf), checking with one
 * stat per file; attaches the SCM if needed; writes System-log events 6005
 * "The Event log service was started." and 6009 (the OS version banner)
 * from source EventLog; marks the machine running; and starts the auto-start
 * services in dependency order (failures are logged by the SCM, see scm.h,
 * and do not fail the boot). A running machine is left as is.
 * Errors: STATUS_INTERNAL_DB_CORRUPTION with "FILE:LINE: problem" in err when
 * a changed file is malformed (the machine stays down, the previous state is
 * kept), STATUS_NO_MEMORY.
 * Shutdown: stops every running service, newest first, writes 6006 "The
 * Event log service was stopped." and marks the machine down. A machine that
 * is down is left as is. Reboot = shutdown + boot.
 * When the operation succeeded but its events could not all be written (a
 * full disk), the machine is up (or down) all the same and the event log's
 * status comes back: STATUS_LOG_FILE_FULL with "The System log file is
 * full." in err (NT's event 6000), or STATUS_IO_DEVICE_ERROR. Check
 * machine_running(m) to tell it from a failed boot. */
ntstatus machine_boot(struct machine *m, char *err, size_t errlen);
ntstatus machine_shutdown(struct machine *m);
ntstatus machine_reboot(struct machine *m, char *err, size_t errlen);
/* Writes what m's SAM holds in memory and no change wrote (last_logon)
 * to where it lives: m->dir/sam.txt, or on a DC in a lab the domain's
 * LAB/domains/DOMAIN/sam.txt (sam_flush; every change of the SAM is written
 * by itself). In-memory machines (no dir) succeed without writing. */
ntstatus machine_save_sam(struct machine *m);

/* Makes a member server's SAM reflect its domain membership as NT's join
 * does: DOMAIN\Domain Admins (domain_sid-512) in the local Administrators
 * and DOMAIN\Domain Users (-513) in the local Users, in one write.
 * STATUS_INVALID_PARAMETER when m is not a member
 * server with its own SAM. Idempotent. */
ntstatus machine_join_domain(struct machine *m, const struct sid *domain_sid);

/* Writes the Security-log audit event for a logon outcome (logon.c calls it):
 * source "Security", category Logon/Logoff (2), or Account Management (7)
 * for 624-644; type Success Audit or Failure Audit. No-op without an event
 * log. */
void machine_audit(struct machine *m, uint32_t event_id, bool success, const char *user,
                   const char *description);

#endif
