/* The daemon's status text (status.h), printed from query structs: the
 * emulator's (statusfmt.h) for machines, server.h's for the rest. */
#include "src/net/status.h"
#include "emulator/lab.h"
#include "emulator/rights.h"
#include "emulator/scm.h"
#include "src/net/statusfmt.h"
#include "src/net/listener.h"

void status_print_listeners(struct server *s, FILE *f)
{
    struct server_listener_info li[SERVER_MAX_LISTENERS];
    size_t n = server_listeners(s, li, SERVER_MAX_LISTENERS), stores = 0;
    for (size_t i = 0; i < n; i++) {
        if (!li[i].machine)
            continue;
        stores++;
        fprintf(f, "  %s %-22s %-15s store %s", li[i].kind, li[i].address, li[i].machine,
                li[i].store_running ? "running" : "not running");
        if (li[i].store_running)
            fprintf(f, " (%s as %s, persona %s)", li[i].service, li[i].account, li[i].persona);
        fprintf(f, ", %zu session(s)\n", li[i].nsessions);
    }
    if (!stores)
        fprintf(f, "  (no machine of this lab has an msexchangeis service: no POP3 listener)\n");
    for (size_t i = 0; i < n; i++)
        if (li[i].console)
            fprintf(f, "  console http://%s/ (token in %s/console.secret), %zu live stream(s), "
                       "%zu terminal(s)\n", li[i].address, lab_dir(s->lab), li[i].streams,
                    li[i].terminals);
    for (size_t i = 0; i < n; i++)
        if (li[i].tcp_secret)
            fprintf(f, "  %s tcp:%s (with the secret)\n", li[i].kind, li[i].address);
}

struct session_print {
    FILE *f;
    size_t n;
};

static void print_session(void *arg, const struct server_session_info *si)
{
    struct session_print *sp = arg;
    if (sp->n++ >= STATUS_SESSIONS_MAX)
        return;
    fprintf(sp->f, "  #%llu %s from %s on %s: %s", (unsigned long long)si->id, si->kind,
            si->peer, si->machine ? si->machine : "-", si->state);
    if (si->user[0])
        fprintf(sp->f, " user=\"%s\" mailbox=%s", si->user, si->mailbox);
    fprintf(sp->f, ", idle %llds, %llu bytes in, %llu out\n", (long long)si->idle_s,
            (unsigned long long)si->bytes_in, (unsigned long long)si->bytes_out);
}

void status_print(struct server *s, FILE *f)
{
    struct server_info in;
    server_info(s, &in);
    fprintf(f, "daemon: pid %ld serving %s, up %llds\n", in.pid, in.lab_dir,
            (long long)in.uptime_s);
    fprintf(f, "machines:\n");
    if (status_print_machines(f, s->lab))
        fprintf(f, "  (out of memory)\n");
    fprintf(f, "listeners:\n");
    status_print_listeners(s, f);
    fprintf(f, "connections: %zu open (limit %zu), %llu since start, %zu bytes of session heap"
               " (%zu per connection)\n",
            in.nconns, in.max_conns, (unsigned long long)in.total_conns, in.session_heap,
            in.nconns ? in.session_heap / in.nconns : 0);
    fprintf(f, "sessions:%s\n", in.nconns ? "" : " none");
    struct session_print sp = {f, 0};
    server_sessions(s, print_session, &sp);
    if (sp.n > STATUS_SESSIONS_MAX)
        fprintf(f, "  ... and %zu more\n", sp.n - STATUS_SESSIONS_MAX);
}
