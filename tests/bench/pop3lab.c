/* pop3lab: adds many mailbox users to a machine of an ntlab lab at once,
 * for the benchmark's 10,000 idle sessions (tests/bench/run.sh).
 * `ntlab user add` and `ntlab mailbox add` write the SAM and the mailbox
 * directory durably on every call, as an administrator's command should,
 * which makes 10,000 of them quadratic; this tool makes the same library
 * calls and saves each file once. Run it while no daemon serves the lab.
 *
 *   pop3lab LABDIR --users PREFIX --count N [--pass PREFIX] [--machine NAME]
 *
 * Adds users PREFIX0001..PREFIX<N> (4 digits at least, as pop3load --users
 * numbers them) with passwords pass0001.., each owning a mailbox of the
 * same alias with an empty Maildir. Exits 0, or 1 with the reason. */
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "emulator/sam.h"
#include "src/exchange/exchange.h"
#include "src/mailstore/maildrop.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "pop3lab: %s%s%s\n", what, detail && *detail ? ": " : "", detail ? detail : "");
    return 1;
}

static int add_all(struct lab *lab, const char *machine, const char *prefix, const char *pass,
                   unsigned long count)
{
    struct machine *m = machine ? lab_machine_find(lab, machine) : lab_machine_at(lab, 0);
    if (!m)
        return fail("no such machine in the lab", machine ? machine : "(none)");
    if (!machine_sam(m) || !machine_owns_db(m))
        return fail("the machine has no SAM of its own (a domain controller?)", machine_name(m));
    int64_t now = lab_clock_now(lab);
    char err[512] = "";
    struct exchange_directory *dir;
    if (exchange_mailbox_list(m, &dir, err, sizeof err))
        return fail("cannot load the mailbox directory", err);
    int rc = 0;
    if (sam_batch_begin(machine_sam(m)) != STATUS_SUCCESS) /* one SAM write for all users */
        rc = fail("cannot lock the SAM of", machine_name(m));
    for (unsigned long i = 1; i <= count && !rc; i++) {
        char name[64], pw[64];
        snprintf(name, sizeof name, "%s%04lu", prefix, i);
        snprintf(pw, sizeof pw, "%s%04lu", pass, i);
        ntstatus st = sam_user_add(machine_sam(m), name, pw, now, NULL);
        if (st != STATUS_SUCCESS) {
            rc = fail("sam_user_add failed for", name);
            break;
        }
        struct exchange_mailbox mb = {0};
        snprintf(mb.alias, sizeof mb.alias, "%s", name);
        snprintf(mb.owner, sizeof mb.owner, "%s\\%s", machine_name(m), name);
        sam_user_sid(machine_sam(m), sam_user_find(machine_sam(m), name), &mb.owner_sid);
        int e = exchange_directory_add(dir, &mb);
        char path[4096];
        if (!e)
            e = exchange_mailbox_path(m, name, path, sizeof path);
        if (!e)
            e = maildrop_create(path);
        if (e)
            rc = fail(name, strerror(e));
    }
    if (rc)
        sam_batch_cancel(machine_sam(m));
    else if (sam_batch_end(machine_sam(m)) != STATUS_SUCCESS)
        rc = fail("cannot save the SAM of", machine_name(m));
    if (!rc) {
        char path[PATH_MAX + sizeof EXCHANGE_DIR_FILE + 1];
        snprintf(path, sizeof path, "%s/%s", machine_dir(m), EXCHANGE_DIR_FILE);
        int e = exchange_directory_save(dir, path);
        if (e)
            rc = fail(path, strerror(e));
    }
    exchange_directory_free(dir);
    if (!rc)
        printf("pop3lab: %lu users with mailboxes added to %s\n", count, machine_name(m));
    return rc;
}

int main(int argc, char **argv)
{
    const char *labdir = NULL, *prefix = NULL, *pass = "pass", *machine = NULL;
    unsigned long count = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--users") && v)
            prefix = v, i++;
        else if (!strcmp(argv[i], "--pass") && v)
            pass = v, i++;
        else if (!strcmp(argv[i], "--machine") && v)
            machine = v, i++;
        else if (!strcmp(argv[i], "--count") && v) {
            char *end;
            errno = 0;
            count = strtoul(v, &end, 10);
            if (errno || *end || *v == '-' || count == 0 || count > EXCHANGE_MAX_MAILBOXES)
                return fail("bad --count", v);
            i++;
        } else if (argv[i][0] != '-' && !labdir)
            labdir = argv[i];
        else
            return fail("bad argument", argv[i]);
    }
    if (!labdir || !prefix || !count) {
        fputs("usage: pop3lab LABDIR --users PREFIX --count N [--pass PREFIX] [--machine NAME]\n",
              stderr);
        return 2;
    }
    if (strlen(prefix) > 40 || strlen(pass) > 40)
        return fail("prefix too long", NULL);
    struct lab *lab;
    char err[512] = "";
    if (lab_open(labdir, false, &lab, err, sizeof err) != STATUS_SUCCESS)
        return fail("cannot open the lab", err[0] ? err : labdir);
    int rc = add_all(lab, machine, prefix, pass, count);
    lab_free(lab);
    return rc;
}
