/* The machines/services/tokens section of the daemon's status
 * (statusfmt.h), from query structs. */
#include "src/net/statusfmt.h"
#include "src/exchange/credcache.h"
#include "src/exchange/exchange.h"
#include "emulator/rights.h"
#include "src/net/drift.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void status_print_machine(FILE *f, const struct query_machine *q)
{
    fprintf(f, "  %-15s %-10s %-14s %-15s %s\n", q->name, machine_role_name(q->role),
            osver_display(q->os), q->domain[0] ? q->domain : "-", q->running ? "running" : "down");
}

void status_print_privileges(FILE *f, const struct query_token *t, enum osver os,
                             const char *indent)
{
    for (size_t i = 0; i < t->nprivileges; i++) {
        const struct query_privilege *p = &t->privileges[i];
        unsigned attr = p->attributes;
        fprintf(f, "%s%-32s %-45s %s\n", indent, p->name, rights_display(p->right, os),
                attr & SE_PRIVILEGE_ENABLED
                    ? (attr & SE_PRIVILEGE_ENABLED_BY_DEFAULT ? "Enabled by default" : "Enabled")
                    : "Disabled");
    }
}

void status_print_service(FILE *f, const struct query_service *s, enum osver os)
{
    fprintf(f, "    service %-18s %-8s %-8s %-14s %s\n", s->name, scm_state_name(s->state),
            scm_start_type_name(s->start), s->image, s->account);
    if (s->has_token) {
        const struct query_token *t = &s->token;
        fprintf(f, "      token of %s\\%s (logon id %llu):\n", t->domain, t->user,
                (unsigned long long)t->logon_id);
        status_print_privileges(f, t, os, "        ");
        if (!t->nprivileges)
            fprintf(f, "        (no privileges)\n");
        drift_print_token(f, t, "      ");
    } else if (s->last_error) {
        const char *text = nterr_win32_text(s->last_error);
        fprintf(f, "      last start failed: %u %s\n", (unsigned)s->last_error, text ? text : "");
    }
}

void status_print_credcache(FILE *f, struct machine *m, const char *indent)
{
    struct credcache_stats cs;
    if (!exchange_credcache_stats(m, &cs))
        return;
    if (!cs.size) {
        fprintf(f, "%scredentials cache: off (Credentials Cache Size = 0)\n", indent);
        return;
    }
    fprintf(f,
            "%scredentials cache: %zu entries of %u buckets, %llu hits, %llu misses"
            " (age limit %u min, idle limit %u min)\n",
            indent, cs.entries, (unsigned)cs.size, (unsigned long long)cs.hits,
            (unsigned long long)cs.misses, (unsigned)cs.age_limit_min,
            (unsigned)cs.idle_limit_min);
}

int status_print_machines(FILE *f, struct lab *lab)
{
    /* one service at a time: the struct is about 1.5 KB */
    struct query_service *s = malloc(sizeof *s);
    if (!s)
        return ENOMEM;
    for (size_t i = 0; i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        struct query_machine q;
        query_machine(m, &q);
        status_print_machine(f, &q);
        for (size_t j = 0; j < q.nservices; j++)
            if (query_service_at(m, j, s) == STATUS_SUCCESS) {
                status_print_service(f, s, q.os);
                if (s->state == SCM_RUNNING && strcmp(s->image, EXCHANGE_IMAGE) == 0)
                    status_print_credcache(f, m, "      ");
            }
    }
    free(s);
    return 0;
}
