/* smtpstub: the do-nothing SMTP sink of the SMTP benchmark (issue 18).
 *
 * It answers the SMTP dialogue with fixed replies and throws the message
 * data away, in one poll() loop on one core: the ceiling of the load
 * generator (tests/bench/smtp.py) on this machine, against which the
 * figures of ntlab's IMS and Postfix's smtp-sink are read. It checks
 * nothing a real server checks (no recipients, no limits, no storage).
 *
 * Usage: smtpstub --port N   (127.0.0.1 only; runs until killed)
 * Replies: 220 banner; 354 to DATA; 221 and close to QUIT; 250 to the
 * final dot and to every other line. EHLO gets a one-line 250.
 * Exit: 2 on bad arguments, 1 when the socket cannot be set up. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define STUB_MAX_CONNS 1024
#define STUB_LINE_MAX 1024 /* a longer line is cut; the stub needs no more */

struct stub_conn {
    int fd;
    int in_data; /* between the 354 and the final dot */
    size_t len;  /* octets of the current line held in line[] */
    char line[STUB_LINE_MAX];
};

struct stub {
    struct pollfd pfd[STUB_MAX_CONNS + 1]; /* [0] is the listener */
    struct stub_conn conn[STUB_MAX_CONNS + 1];
    nfds_t n;
};

/* A failed or short write drops the connection: the replies are a few
 * octets to a client that waits for each, so the buffer never fills. */
static int stub_say(int fd, const char *s)
{
    size_t n = strlen(s);
    return send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* One complete line (CRLF stripped). Returns -1 to close the connection. */
static int stub_line(struct stub_conn *c)
{
    const char *l = c->line;
    if (c->in_data) {
        if (c->len == 1 && l[0] == '.') {
            c->in_data = 0;
            return stub_say(c->fd, "250 2.0.0 discarded\r\n");
        }
        return 0;
    }
    if (c->len >= 4 && strncasecmp(l, "DATA", 4) == 0) {
        c->in_data = 1;
        return stub_say(c->fd, "354 go ahead\r\n");
    }
    if (c->len >= 4 && strncasecmp(l, "QUIT", 4) == 0) {
        stub_say(c->fd, "221 bye\r\n");
        return -1;
    }
    return stub_say(c->fd, "250 ok\r\n");
}

/* Reads what the connection has and answers each complete line.
 * Returns -1 when it is closed or must be. */
static int stub_read(struct stub_conn *c)
{
    char buf[65536];
    ssize_t got = recv(c->fd, buf, sizeof buf, 0);
    if (got <= 0)
        return got < 0 && (errno == EINTR || errno == EAGAIN) ? 0 : -1;
    for (ssize_t i = 0; i < got; i++) {
        if (buf[i] == '\n') {
            if (c->len > 0 && c->line[c->len - 1] == '\r')
                c->len--;
            int rc = stub_line(c);
            c->len = 0;
            if (rc < 0)
                return -1;
        } else if (c->len < sizeof c->line) {
            c->line[c->len++] = buf[i];
        }
    }
    return 0;
}

static int stub_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 512) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void stub_accept(struct stub *s)
{
    int fd = accept(s->pfd[0].fd, NULL, NULL);
    if (fd < 0)
        return;
    if (s->n > STUB_MAX_CONNS || stub_say(fd, "220 smtpstub ESMTP\r\n") < 0) {
        close(fd); /* full: the generator sees the refusal as an error */
        return;
    }
    s->pfd[s->n] = (struct pollfd){.fd = fd, .events = POLLIN};
    s->conn[s->n] = (struct stub_conn){.fd = fd};
    s->n++;
}

static int stub_run(struct stub *s)
{
    for (;;) {
        if (poll(s->pfd, s->n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("smtpstub: poll");
            return 1;
        }
        for (nfds_t i = s->n; i-- > 1;) {
            if (!s->pfd[i].revents)
                continue;
            if (stub_read(&s->conn[i]) < 0) {
                close(s->pfd[i].fd);
                s->n--; /* the last one takes its place */
                s->pfd[i] = s->pfd[s->n];
                s->conn[i] = s->conn[s->n];
            }
        }
        if (s->pfd[0].revents & POLLIN)
            stub_accept(s);
    }
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long port = argc == 3 && strcmp(argv[1], "--port") == 0 ? strtol(argv[2], &end, 10) : -1;
    if (!end || *end || port < 1 || port > 65535) {
        fprintf(stderr, "usage: smtpstub --port N\n");
        return 2;
    }
    struct stub *s = calloc(1, sizeof *s); /* 1 MiB: not on the stack */
    if (!s) {
        perror("smtpstub");
        return 1;
    }
    s->pfd[0] = (struct pollfd){.fd = stub_listen((int)port), .events = POLLIN};
    if (s->pfd[0].fd < 0) {
        perror("smtpstub: 127.0.0.1");
        free(s);
        return 1;
    }
    s->n = 1;
    int rc = stub_run(s);
    free(s);
    return rc;
}
