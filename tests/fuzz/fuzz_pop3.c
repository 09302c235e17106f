/* The POP3 engine fed arbitrary client bytes, over a real Maildir, in every
 * state: the backend logs on "fuzz"/"pass" (USER/PASS, AUTH PLAIN, or APOP
 * with the secret "tanstaaf"), so TRANSACTION and UPDATE are reachable.
 * The rfc1939 persona also offers a challenge/response row of the SASL
 * table, X-FUZZ-CR, shaped like NTLM's three legs: AUTH X-FUZZ-CR, "+ ",
 * the account ("fuzz"), "+ <42.fuzz@fuzzhost>", then the 32 hex digits of
 * MD5(challenge + "pass").
 *
 * Input layout: byte 0 picks the persona (bits 0-1), whether output is
 * drained after every chunk or only when the engine stops taking input
 * (bit 2: pipelining with a slow reader), whether the transport consumes
 * the output a few bytes at a time (bit 3: partial writes), and whether bad commands ever
 * close the session (bit 4). Byte 1 is the chunk size in which the rest
 * is delivered (1-256). The rest is what the client sends; time advances
 * one second per chunk, and the session ends with an autologout tick when
 * it is still open (bit 5) or a dropped connection.
 *
 * Properties checked on every input:
 *  - no deadlock: with its output drained, the engine takes input;
 *  - the engine's memory stays bounded (pop3_session_memory);
 *  - every LF sent is preceded by CR; the session ends in bounded output;
 *  - events never carry a password;
 *  - messages are removed only by a QUIT that reached UPDATE, and exactly
 *    the count that QUIT reports; a dropped or timed-out session removes
 *    nothing;
 *  - the maildrop lock is released when the session ends;
 *  - a challenge/response exchange's backend state is freed however the
 *    exchange ends (done, cancelled, bad line, session end), the backend
 *    is called with a message only after its first call, and every message
 *    has the NUL the contract promises after it.
 * Removed messages are restored before the next input, so every input
 * starts from the same maildrop. */
#include "src/lib/buf.h"
#include "src/lib/md5.h"
#include "src/pop3/pop3.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 899283600LL
#define NONCE 42
#define HOST "fuzzhost"
/* Far above what a session may hold: the engine's output grows up to a
 * 256 KiB burst while the transport keeps up (twice that with the buffer's
 * doubling), plus POP3_IN_MAX of input. */
#define MEM_BOUND (1024u * 1024u)

struct msg {
    const char *sub; /* "new" or "cur" */
    char name[128];
    char *data;
    size_t len;
};

static struct {
    char dir[PATH_MAX];  /* the Maildir "fuzz" */
    char busy[PATH_MAX]; /* a Maildir held locked: logon gets IN_USE */
    struct maildrop *busy_md;
    struct persona *personas[4];
    struct msg msgs[9];
    size_t nmsgs;
} G;

/* --- the backend ------------------------------------------------------------ */

struct run {
    unsigned live;    /* challenge/response states not yet freed */
    bool quit_update; /* a QUIT reached UPDATE */
    size_t removed, not_removed;
    unsigned closes;
};

static void open_box(const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    const char *dir = strcmp(c->mailbox, "fuzz") == 0   ? G.dir
                      : strcmp(c->mailbox, "busy") == 0 ? G.busy
                                                        : NULL;
    if (!dir) {
        r->outcome = MAIL_LOGON_NO_MAILBOX;
        return;
    }
    int rc = maildrop_open(dir, &r->maildrop);
    r->outcome = rc == 0       ? MAIL_LOGON_OK
                 : rc == EBUSY ? MAIL_LOGON_IN_USE
                               : MAIL_LOGON_SYSTEM_ERROR;
}

static void be_login(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    (void)arg;
    if (!c->password || !c->account || !*c->account || !c->mailbox || !c->domain)
        fuzz_fail("login without the credentials the contract promises");
    if (strcmp(c->password, "denied") == 0) {
        r->outcome = MAIL_LOGON_ACCESS_DENIED;
        return;
    }
    if (strcmp(c->password, "crlf") == 0) {
        /* a backend text that would break the line if sent as is */
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1314;
        snprintf(r->text, sizeof r->text, "A required privilege\r\nis not held.\r\n");
        return;
    }
    if (strcmp(c->password, "pass") != 0) {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1326;
        snprintf(r->text, sizeof r->text, "Logon failure: unknown user name or bad password.");
        return;
    }
    open_box(c, r);
}

static void be_login_apop(void *arg, const struct mail_logon_credentials *c,
                          struct mail_logon_result *r)
{
    (void)arg;
    if (c->password || !c->apop_timestamp || !c->apop_digest)
        fuzz_fail("APOP credentials not as the contract says");
    if (!mail_logon_apop_check(c->apop_timestamp, "tanstaaf", c->apop_digest)) {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1326;
        snprintf(r->text, sizeof r->text, "Logon failure: unknown user name or bad password.");
        return;
    }
    open_box(c, r);
}

static void be_event(void *arg, const struct pop3_event *ev)
{
    struct run *R = arg;
    if (ev->type == POP3_EV_LOGON) {
        if (ev->cred->password)
            fuzz_fail("a logon event carries the password");
        return;
    }
    R->closes++;
    if (ev->reason == POP3_CLOSE_QUIT && ev->state == POP3_UPDATE) {
        R->quit_update = true;
        R->removed = ev->removed;
        R->not_removed = ev->not_removed;
    } else if (ev->removed || ev->not_removed) {
        fuzz_fail("a session closed without UPDATE reports removals");
    }
}

/* X-FUZZ-CR (above): the state is the leg the exchange is in. */
#define CR_CHALLENGE "<42.fuzz@fuzzhost>"
struct cr_state {
    int leg; /* 1: the account is due; 2: the digest is due */
};

static enum mail_logon_step be_challenge(void *arg, void **state, struct mail_logon_message *m,
                                         struct mail_logon_result *r)
{
    struct run *R = arg;
    struct cr_state *st = *state;
    if (m->in && m->in[m->inlen] != 0)
        fuzz_fail("a challenge/response message without its NUL");
    if (st && !m->in)
        fuzz_fail("a continuation without a message");
    if (m->outcap != MAIL_LOGON_CHALLENGE_MAX || strcmp(m->mechanism, "X-FUZZ-CR") != 0)
        fuzz_fail("challenge call not as the contract says");
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            fuzz_fail("no memory");
        R->live++;
        *state = st;
        st->leg = 1;
        if (!m->in)
            return MAIL_LOGON_CONTINUE; /* an empty first challenge, as NTLM's */
    }
    bool ok;
    if (st->leg == 1) {
        ok = m->inlen == 4 && memcmp(m->in, "fuzz", 4) == 0;
        if (ok) {
            st->leg = 2;
            memcpy(m->out, CR_CHALLENGE, sizeof CR_CHALLENGE - 1);
            m->outlen = sizeof CR_CHALLENGE - 1;
            return MAIL_LOGON_CONTINUE;
        }
    } else {
        char hex[33];
        md5_hex(CR_CHALLENGE "pass", sizeof CR_CHALLENGE + 3, hex);
        ok = m->inlen == 32 && memcmp(m->in, hex, 32) == 0;
    }
    free(st);
    R->live--;
    *state = NULL;
    snprintf(r->account, sizeof r->account, "fuzz");
    snprintf(r->mailbox, sizeof r->mailbox, "fuzz");
    if (!ok) {
        r->outcome = MAIL_LOGON_WIN32;
        r->win32 = 1326;
        snprintf(r->text, sizeof r->text, "Logon failure: unknown user name or bad password.");
        return MAIL_LOGON_DONE;
    }
    const struct mail_logon_credentials c = {.mailbox = "fuzz"};
    open_box(&c, r);
    return MAIL_LOGON_DONE;
}

static void be_challenge_end(void *arg, void *state)
{
    struct run *R = arg;
    if (!state)
        fuzz_fail("challenge_end without a state");
    free(state);
    R->live--;
}

static const struct mail_logon_ops logon = {.login = be_login,
                                            .login_apop = be_login_apop,
                                            .login_challenge = be_challenge,
                                            .challenge_end = be_challenge_end};

#define FUZZ_SASL_CR 0x80000000u /* a persona bit no file word sets */
static const struct pop3_sasl_mech sasl_table[] = {
    {"PLAIN", PERSONA_SASL_PLAIN, pop3_sasl_plain},
    {"X-FUZZ-CR", FUZZ_SASL_CR, pop3_sasl_backend},
};

/* --- the maildrop ---------------------------------------------------------- */

static void msg_path(const struct msg *m, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/%s", G.dir, m->sub, m->name);
}

static void add_msg(const char *sub, const char *name, const char *data, size_t len)
{
    struct msg *m = &G.msgs[G.nmsgs++];
    m->sub = sub;
    /* big messages carry Courier's size fields, so that the scan at logon
     * trusts them instead of reading the file (the small ones are read) */
    if (len > 4096)
        snprintf(m->name, sizeof m->name, "%s,S=%zu,W=%llu", name, len,
                 (unsigned long long)maildrop_sent_size(data, len));
    else
        snprintf(m->name, sizeof m->name, "%s", name);
    m->data = malloc(len ? len : 1);
    if (!m->data)
        fuzz_fail("out of memory");
    memcpy(m->data, data, len);
    m->len = len;
}

static void build_messages(void)
{
    static const char m1[] = "From: a@b\r\nSubject: one\r\n\r\nHello.\r\n";
    static const char m2[] = "Subject: dots\n\n.\n..\n.x\nend\n";
    static const char m3[] = "Subject: no final newline\n\nlast line";
    static const char m5[] = "A: b\nC: d\n"; /* no body separator */
    static const char m7[] = "Subject: bin\r\n\r\n\0nul\r\r\n\rlone cr\n.\r\n";
    add_msg("cur", "899283601.M1P1.fuzzhost:2,S", m1, sizeof m1 - 1);
    add_msg("new", "899283602.M2P1.fuzzhost", m2, sizeof m2 - 1);
    add_msg("cur", "899283603.M3P1.fuzzhost:2,", m3, sizeof m3 - 1);
    add_msg("new", "899283604.M4P1.fuzzhost", "", 0);
    add_msg("new", "899283605.M5P1.fuzzhost", m5, sizeof m5 - 1);
    /* a line far longer than any chunk, with a lone CR inside */
    size_t n6 = 17000; /* just over POP3_OUT_CHUNK */
    char *b6 = malloc(n6);
    if (!b6)
        fuzz_fail("out of memory");
    memcpy(b6, "Subject: long\n\n", 15);
    memset(b6 + 15, 'y', n6 - 16);
    b6[9000] = '\r';
    b6[n6 - 1] = '\n';
    add_msg("new", "899283606.M6P1.fuzzhost", b6, n6);
    free(b6);
    add_msg("cur", "899283607.M7P1.fuzzhost:2,S", m7, sizeof m7 - 1);
    /* many short lines (bare LF), some starting with a dot: a RETR in
     * several output chunks */
    struct buf b8 = BUF_INIT;
    buf_puts(&b8, "Subject: big\n\n");
    for (int i = 0; i < 1800; i++) /* about 18 KB */
        buf_printf(&b8, i % 7 ? "line %d\n" : ".dot %d\n", i);
    add_msg("new", "899283608.M8P1.fuzzhost", b8.p, b8.len);
    buf_free(&b8);
    /* a name that is no valid UIDL: its MD5 is used */
    add_msg("new", "899283609.M9P1.fuzz host with spaces", "x\n", 2);
}

/* Restores every message; returns how many were missing. */
static size_t restore(void)
{
    size_t missing = 0;
    for (size_t i = 0; i < G.nmsgs; i++) {
        char p[PATH_MAX + 64];
        msg_path(&G.msgs[i], p, sizeof p);
        if (access(p, F_OK) == 0)
            continue;
        missing++;
        fuzz_write_file(p, G.msgs[i].data, G.msgs[i].len);
    }
    return missing;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *root = fuzz_tmpdir("pop3");
    snprintf(G.dir, sizeof G.dir, "%s/fuzz", root);
    snprintf(G.busy, sizeof G.busy, "%s/busy", root);
    if (maildrop_create(G.dir) || maildrop_create(G.busy))
        fuzz_fail("maildrop_create failed");
    if (maildrop_open(G.busy, &G.busy_md))
        fuzz_fail("cannot lock the busy maildrop");
    build_messages();
    restore();
    static const char *const names[4] = {"exchange-5.0.1457.10", "q189732", "rfc1939",
                                         "exchange-5.5"};
    for (int i = 0; i < 4; i++) {
        char err[256];
        if (persona_builtin(names[i], &G.personas[i], err, sizeof err))
            fuzz_fail("persona %s: %s", names[i], err);
    }
    G.personas[2]->sasl |= FUZZ_SASL_CR; /* rfc1939 */
    return 0;
}

/* --- the transport ---------------------------------------------------------- */

struct wire {
    bool trickle; /* consume a few bytes at a time */
    int last;     /* last byte sent, for the CRLF check */
    uint64_t sent;
};

static void drain(struct pop3_session *s, struct wire *w, int64_t now)
{
    for (unsigned spins = 0;; spins++) {
        if (spins > 10000000u)
            fuzz_fail("output never ends");
        if (pop3_session_memory(s) > MEM_BOUND)
            fuzz_fail("session holds %zu bytes", pop3_session_memory(s));
        size_t n;
        const char *o = pop3_session_output(s, &n);
        if (!n)
            return;
        if (w->trickle && n > 1)
            n = 1 + (size_t)(w->sent % 1021) % n; /* odd, varying partial writes */
        /* memchr: libc, so this check costs no coverage instrumentation */
        for (const char *lf = memchr(o, '\n', n); lf; lf = memchr(lf + 1, '\n', n - (size_t)(lf + 1 - o))) {
            int before = lf == o ? w->last : (unsigned char)lf[-1];
            if (before != '\r')
                fuzz_fail("bare LF in the output at octet %llu",
                          (unsigned long long)(w->sent + (size_t)(lf - o)));
        }
        w->last = (unsigned char)o[n - 1];
        w->sent += n;
        if (w->sent > (64u << 20))
            fuzz_fail("more than 64 MiB of output");
        pop3_session_consume(s, n, now);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 20))
        return 0;
    unsigned mode = data[0];
    size_t chunk = (size_t)data[1] + 1;
    data += 2;
    size -= 2;

    struct pop3_config cfg;
    pop3_config_default(&cfg);
    cfg.host = HOST;
    cfg.idle_timeout = 600;
    cfg.sasl = sasl_table;
    cfg.nsasl = sizeof sasl_table / sizeof sasl_table[0];
    if (mode & 0x10)
        cfg.max_bad_commands = 0;
    struct run R = {0};
    struct wire w = {.trickle = (mode & 0x08) != 0, .last = -1};
    int64_t now = T0;
    const struct pop3_backend backend = {&logon, &R, be_event, &R};
    struct pop3_session *s = pop3_session_new(G.personas[mode & 3], &backend, &cfg, now, NONCE);
    if (!s)
        return 0;
    drain(s, &w, now);
    bool slow_reader = (mode & 0x04) != 0;
    size_t off = 0;
    while (off < size && !pop3_session_closed(s)) {
        size_t n = size - off < chunk ? size - off : chunk;
        size_t took = pop3_session_input(s, data + off, n, now);
        if (took > n)
            fuzz_fail("input took %zu of %zu bytes", took, n);
        if (pop3_session_memory(s) > MEM_BOUND)
            fuzz_fail("session holds %zu bytes", pop3_session_memory(s));
        off += took;
        if (took < n || !slow_reader) {
            drain(s, &w, now);
            if (took == 0 && !pop3_session_closed(s)) {
                /* output is empty now: the engine must take input again */
                if (!pop3_session_want_input(s))
                    fuzz_fail("drained session does not want input");
                size_t again = pop3_session_input(s, data + off, n, now);
                if (again == 0)
                    fuzz_fail("drained session takes no input");
                off += again;
            }
        }
        now++;
    }
    drain(s, &w, now);
    if ((mode & 0x20) && !pop3_session_closed(s)) {
        int64_t dl = pop3_session_deadline(s);
        if (dl < now || dl > now + cfg.idle_timeout)
            fuzz_fail("deadline %lld outside [now, now+idle]", (long long)dl);
        pop3_session_tick(s, dl - 1);
        if (pop3_session_closed(s))
            fuzz_fail("autologout before the deadline");
        pop3_session_tick(s, dl);
        if (!pop3_session_closed(s))
            fuzz_fail("no autologout at the deadline");
        drain(s, &w, dl);
    }
    pop3_session_drop(s);
    if (R.closes != 1)
        fuzz_fail("%u close events", R.closes);
    if (R.live)
        fuzz_fail("%u challenge/response states left after the session", R.live);

    /* the lock is gone with the session */
    struct maildrop *md;
    if (maildrop_open(G.dir, &md) != 0)
        fuzz_fail("maildrop still locked after the session ended");
    maildrop_close(md);

    size_t missing = restore();
    if (!R.quit_update && missing)
        fuzz_fail("%zu messages gone without a QUIT in TRANSACTION", missing);
    if (R.quit_update && missing != R.removed)
        fuzz_fail("QUIT reported %zu removed, %zu are gone", R.removed, missing);
    return 0;
}
