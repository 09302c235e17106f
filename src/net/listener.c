/* The registry of listeners and their connections (listener.h). */
#include "src/net/listener.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

int listener_add(struct server *s, const struct listener_kind *kind, int fd, struct machine *m,
                 const struct net_addr *addr, struct server_listener **out, char *err,
                 size_t errlen)
{
    if (s->nls == SERVER_MAX_LISTENERS) {
        plat_sock_close(fd);
        snprintf(err, errlen, "too many listeners (at most %d)", SERVER_MAX_LISTENERS);
        return EINVAL;
    }
    struct server_listener *l = &s->ls[s->nls++];
    memset(l, 0, sizeof *l);
    l->o.kind = kind;
    l->o.listening = true;
    l->o.fd = fd;
    l->srv = s;
    l->m = m;
    if (addr)
        l->addr = *addr;
    int e = kind->listen ? kind->listen(s, l) : 0;
    if (e) {
        snprintf(err, errlen, "%s listener: %s", kind->name, strerror(e));
    } else {
        e = plat_ev_add(s->ep, fd, PLAT_EV_IN, l);
        if (e)
            snprintf(err, errlen, "epoll: %s", strerror(e));
    }
    *out = l;
    return e;
}

int listener_conn_add(struct server *s, struct server_listener *l, struct server_conn *c,
                      uint32_t events)
{
    int e = plat_ev_add(s->ep, c->o.fd, events, c);
    if (e)
        return e;
    c->l = l;
    c->prev = NULL;
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    l->nconns++;
    s->nconns_all++;
    if (l->o.kind->sessions)
        s->nsessions++;
    return 0;
}

void listener_conn_unlink(struct server *s, struct server_conn *c)
{
    struct server_listener *l = c->l;
    if (!PLAT_EV_CLOSE_REMOVES) /* else the close does it: one system call less */
        plat_ev_del(s->ep, c->o.fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->nconns--;
    s->nconns_all--;
    if (l->o.kind->sessions)
        s->nsessions--;
    for (size_t i = 0; c->o.deferred && i < s->ndeferred; i++)
        if (s->deferred[i] == c)
            s->deferred[i] = NULL;
}

int listener_accept_fd(struct server_listener *l, struct sockaddr_storage *ss, socklen_t *sl)
{
    socklen_t cap = sizeof *ss;
    for (;;) {
        *sl = cap;
        int fd = plat_accept(l->o.fd, (struct sockaddr *)ss, sl,
                             PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
        if (fd >= 0 || (errno != EINTR && errno != ECONNABORTED))
            return fd;
    }
}
