/* Boot, shutdown and reboot of one machine. Everything the machine holds is
 * written through to disk on each change, so a boot only has to re-read the
 * files someone else changed: one stat per file decides. That keeps a
 * reboot cheap enough for scenario suites with thousands of them. */
#include "emulator/machine_int.h"
#include "emulator/scm.h"
#include <stdio.h>
#include <string.h>

#define EVENTLOG_SOURCE "EventLog"

/* The 6009 banner NT writes at boot (build numbers of the RTM releases). */
static const char *boot_banner(enum osver os)
{
    switch (os) {
    case OSVER_NT4:
        return "Microsoft (R) Windows NT (R) 4.0 1381 Uniprocessor Free.";
    case OSVER_W2K:
        return "Microsoft (R) Windows 2000 (R) 5.0 2195 Uniprocessor Free.";
    case OSVER_XP:
        return "Microsoft (R) Windows (R) 5.01. 2600 Uniprocessor Free.";
    }
    return "Microsoft (R) Windows NT (R)";
}

static void system_event(struct machine *m, uint32_t id, const char *text)
{
    if (m->evtlog)
        (void)evtlog_write(m->evtlog, EVTLOG_SYSTEM, clock_now(&m->clock), EVENTLOG_SOURCE, id,
                           EVT_INFORMATION, 0, NULL, text);
}

static void set_err(char *err, size_t errlen, const char *path, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", path, *what ? ": " : "", what);
}

/* A member or standalone server's own SAM and policy. */
static ntstatus reload_own_db(struct machine *m, char *err, size_t errlen)
{
    if (!m->dir[0])
        return STATUS_SUCCESS;
    ntstatus st = sam_refresh(m->sam, err, errlen);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        return STATUS_INTERNAL_DB_CORRUPTION; /* err: "PATH: the SAM file is missing" */
    if (st)
        return st;
    if (m->lsa) {
        st = lsa_refresh(m->lsa);
        if (st) {
            set_err(err, errlen, lsa_last_error(m->lsa), "");
            return st;
        }
    }
    return STATUS_SUCCESS;
}

static ntstatus do_boot(struct machine *m, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (m->running)
        return STATUS_SUCCESS;
    ntstatus st;
    if (m->owns_db)
        st = reload_own_db(m, err, errlen);
    else if (m->host.ops)
        st = m->host.ops->domain_reload_if_changed(m->host.ctx, m->domain, err, errlen);
    else
        st = STATUS_SUCCESS; /* a lone DC without its lab: nothing shared to re-read */
    if (st)
        return st;
    st = m->scm ? scm_reload_if_changed(m, err, errlen) : scm_attach(m, err, errlen);
    if (st)
        return st;
    m->running = true;
    system_event(m, 6009, boot_banner(m->os));
    system_event(m, 6005, "The Event log service was started.");
    scm_start_auto(m);
    return STATUS_SUCCESS;
}

static void do_shutdown(struct machine *m)
{
    if (!m->running)
        return;
    scm_stop_all(m);
    system_event(m, 6006, "The Event log service was stopped.");
    m->running = false;
}

/* The events of one boot, shutdown or reboot (6005/6006/6009, the SCM's,
 * the service logons' audits) are synced to disk once at its end rather
 * than one by one: a reboot costs two syncs (System and Security log)
 * whatever the number of services. The log records what happened and does
 * not decide it: the machine is up (or down) either way. But an event that
 * was lost is not silent: as NT's Event Log service says "The System log
 * file is full." (event 6000, which cannot go into that log), the status
 * of the commit comes back when the operation itself succeeded. */
static ntstatus commit_events(struct machine *m, ntstatus st, char *err, size_t errlen)
{
    ntstatus ls = evtlog_commit(m->evtlog);
    if (ls == STATUS_SUCCESS || st != STATUS_SUCCESS)
        return st;
    if (err && errlen)
        snprintf(err, errlen, "%s", evtlog_failure_text(m->evtlog));
    return ls;
}

ntstatus machine_boot(struct machine *m, char *err, size_t errlen)
{
    evtlog_begin(m->evtlog);
    ntstatus st = do_boot(m, err, errlen);
    return commit_events(m, st, err, errlen);
}

ntstatus machine_shutdown(struct machine *m)
{
    evtlog_begin(m->evtlog);
    do_shutdown(m);
    return commit_events(m, STATUS_SUCCESS, NULL, 0);
}

ntstatus machine_reboot(struct machine *m, char *err, size_t errlen)
{
    evtlog_begin(m->evtlog);
    do_shutdown(m);
    ntstatus st = do_boot(m, err, errlen);
    return commit_events(m, st, err, errlen);
}
