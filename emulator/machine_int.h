/* The machine's struct, private to the emulator files that implement the
 * machine (machine.c, boot.c, logon.c, lab.c, scm.c, scm_drift.c, dcpromo.c): everyone
 * else reads a machine through the accessors and changes it through the
 * operations of machine.h, lab.h and scm.h. */
#ifndef NTLAB_EMULATOR_MACHINE_INT_H
#define NTLAB_EMULATOR_MACHINE_INT_H
#include "emulator/machine.h"

struct machine {
    char name[MACHINE_NAME_MAX + 1];      /* "EXCHSRV" (upper case) */
    enum osver os;
    enum machine_role role;
    char domain[SAM_DOMAIN_NAME_MAX + 1]; /* "CORP"; "" for standalone */
    struct sid sid;                       /* machine SID S-1-5-21-a-b-c */
    char dir[PATH_MAX];                   /* state directory; "" = in memory only */

    struct clock clock;
    struct sam *sam;          /* local SAM; on a DC the domain's (not owned) */
    struct lsa *lsa;          /* local policy; on a DC the domain's (not owned) */
    bool owns_db;             /* false on DCs: sam/lsa belong to the lab's domain */
    struct evtlog *evtlog;
    struct scm *scm;          /* services; NULL until scm_attach */
    struct machine_host host; /* the lab it lives in; ops NULL for a lone machine */
    bool running;             /* booted and not shut down */
    uint64_t next_logon_id;
    /* machine.conf keys the emulator does not interpret, kept verbatim */
    size_t nsettings;
    struct machine_setting {
        char key[MACHINE_SETTING_KEY_MAX + 1];
        char *value; /* owned */
    } settings[MACHINE_SETTINGS_MAX];
};

/* dcpromo.c's demotion: gives m (which owns no database now) a fresh local
 * SAM, named after m, with its name-derived SID and Administrator's
 * password admin_password, and the default policy of its OS as a member
 * server, written to m->dir's sam.txt and policy.inf. On failure m is
 * unchanged. STATUS_SUCCESS, or sam_create's, default policy's or a
 * write's status. */
ntstatus machine_local_db_new(struct machine *m, const char *admin_password);

#endif
