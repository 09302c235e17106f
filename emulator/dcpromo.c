/* Role changes: Windows 2000's Active Directory Installation Wizard
 * (dcpromo) promoting a member server to a domain controller of its domain
 * and demoting it again (dcpromo.h; the lab's lab_machine_promote and
 * lab_machine_demote find the machine and its domain's database).
 *
 * Facts (KB archive and the reference pages): on Windows NT 4.0 the role
 * is chosen at setup; a member server becomes a BDC or PDC, and a DC a
 * member server, only by reinstalling Windows NT (a BDC may be promoted to
 * PDC, which is not a role change of this kind). Windows 2000 changes the
 * role with dcpromo and a restart (KB Q238369); demoting removes Active
 * Directory and the server goes back to a local account database. An
 * additional DC uses the domain's accounts: the member's local SAM and its
 * local policy are gone, so a right granted locally to a service account
 * no longer applies after the restart.
 *
 * Events: the restart's 6006/6009/6005 (boot.c). After a promotion's
 * restart the new DC logs "NTDS General" 1000, Active Directory's start;
 * Windows 2000 writes it to the Directory Service log, which ntlab does not
 * model, so it goes to the System log here (the source, ID and text as we
 * recall them, not from a source at hand: a choice, README). A demotion
 * logs no event of its own (none sourced; none invented). */
#include "emulator/dcpromo.h"
#include "emulator/machine_int.h"
#include "src/lib/str.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NTDS_SOURCE "NTDS General"
#define NTDS_EVENT_STARTED 1000u
#define NTDS_STARTED_TEXT "Microsoft Active Directory startup complete, version 5.00.2195.0000."

#define SET_ERR(...)                                                                               \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
    } while (0)

/* Whether m's OS cannot change its role (the reason in err). */
static bool os_refuses(const struct machine *m, char *err, size_t errlen)
{
    if (m->os == OSVER_NT4)
        SET_ERR("Windows NT 4.0 cannot change %s's role: a member server becomes a domain "
                "controller (and a domain controller a member server) only by reinstalling "
                "Windows NT",
                m->name);
    else if (m->os == OSVER_XP)
        SET_ERR("%s runs Windows XP, which cannot be a domain controller", m->name);
    return m->os == OSVER_NT4 || m->os == OSVER_XP;
}

/* The files of a database the machine no longer owns. */
static void drop_files(const struct machine *m)
{
    static const char *const names[2] = {"sam.txt", "policy.inf"};
    for (int i = 0; i < 2; i++) {
        char p[PATH_MAX];
        int k = snprintf(p, sizeof p, "%s/%s", m->dir, names[i]);
        if (k > 0 && (size_t)k < sizeof p)
            unlink(p);
    }
}

/* The wizard's restart: down before the change, up after it if it was. */
static ntstatus restart(struct machine *m, bool was_running, char *err, size_t errlen)
{
    return was_running ? machine_boot(m, err, errlen) : STATUS_SUCCESS;
}

ntstatus dcpromo_promote(struct machine *m, struct sam *dsam, struct lsa *dlsa, char *err,
                         size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (os_refuses(m, err, errlen))
        return STATUS_NOT_SUPPORTED;
    if (m->role != ROLE_MEMBER || !m->owns_db) {
        SET_ERR("%s is a %s, not a member server of a domain", m->name,
                machine_role_name(m->role));
        return STATUS_INVALID_PARAMETER;
    }
    if (!dsam || !dlsa) {
        SET_ERR("the domain %s of %s has no database in this lab", m->domain, m->name);
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    bool was_running = m->running;
    if (was_running)
        (void)machine_shutdown(m); /* its events' loss does not stop the wizard */
    /* machine.conf first: a DC's directory with a leftover sam.txt loads
     * fine (the lab attaches the domain's), a member without one does not. */
    struct sid old_sid = m->sid;
    m->role = ROLE_BDC;
    m->sid = *sam_domain_sid(dsam); /* as lab_machine_add gives an additional DC */
    ntstatus st = machine_save_conf(m);
    if (st) {
        m->role = ROLE_MEMBER;
        m->sid = old_sid;
        (void)restart(m, was_running, NULL, 0);
        return st;
    }
    drop_files(m);
    sam_free(m->sam);
    lsa_free(m->lsa);
    m->sam = dsam;
    m->lsa = dlsa;
    m->owns_db = false;
    st = restart(m, was_running, err, errlen);
    if (was_running && m->running && m->evtlog)
        (void)evtlog_write(m->evtlog, EVTLOG_SYSTEM, clock_now(&m->clock), NTDS_SOURCE,
                           NTDS_EVENT_STARTED, EVT_INFORMATION, 0, NULL, NTDS_STARTED_TEXT);
    return st;
}

ntstatus dcpromo_demote(struct machine *m, struct sam *dsam, const char *admin_password,
                        char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (os_refuses(m, err, errlen))
        return STATUS_NOT_SUPPORTED;
    if (m->role != ROLE_BDC || m->owns_db) {
        /* The lab keeps a domain's database with the DC that created it;
         * removing the domain with its last DC is not modelled (a choice). */
        if (m->role == ROLE_PDC)
            SET_ERR("%s is the first domain controller of %s; demoting it would remove the "
                    "domain from the lab",
                    m->name, m->domain);
        else
            SET_ERR("%s is a %s, not an additional domain controller", m->name,
                    machine_role_name(m->role));
        return STATUS_INVALID_PARAMETER;
    }
    if (!dsam) {
        SET_ERR("the domain %s of %s has no database in this lab", m->domain, m->name);
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    bool was_running = m->running;
    if (was_running)
        (void)machine_shutdown(m);
    struct sam *old_sam = m->sam;
    struct lsa *old_lsa = m->lsa;
    ntstatus st = machine_local_db_new(m, admin_password); /* new SID, SAM, policy */
    if (!st) {
        m->role = ROLE_MEMBER;
        st = machine_join_domain(m, sam_domain_sid(dsam));
    }
    if (!st)
        st = machine_save_conf(m);
    if (st) {
        /* back to the DC it was: the domain's database, no files of its own */
        if (m->owns_db) {
            sam_free(m->sam);
            lsa_free(m->lsa);
        }
        drop_files(m);
        m->sam = old_sam;
        m->lsa = old_lsa;
        m->owns_db = false;
        m->role = ROLE_BDC;
        m->sid = *sam_domain_sid(dsam);
        (void)restart(m, was_running, NULL, 0);
        return st;
    }
    return restart(m, was_running, err, errlen);
}
