/* ntlab up --record (liverec.h): the recording's file and its lines. */
#include "src/scenario/liverec.h"
#include "src/lib/str.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/net/control.h"
#include "src/scenario/export.h"
#include "src/scenario/mask.h"
#include "src/scenario/record.h"
#include "src/scenario/secret.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define OUT_LINES_MAX 20u /* a longer output is not checked (a listing, not a verdict) */

struct scn_liverec {
    char *path;
    struct scn_secrets secrets;
    unsigned npw;   /* PW_RECn names handed out */
    unsigned nsess; /* sN names handed out */
};

static void when_utc(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    plat_gmtime(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* One write of the whole text, then fdatasync: the append is durable
 * when this returns 0. */
static int append_durably(const char *path, const char *p, size_t len, int flags)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
    if (fd < 0)
        return errno;
    int rc = 0;
    while (len && rc == 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = w < 0 ? errno : EIO;
        else
            p += w, len -= (size_t)w;
    }
    if (rc == 0 && plat_fdatasync(fd) != 0)
        rc = errno ? errno : EIO;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    return rc;
}

/* The file's own secrets (append): the names it declares stay declared,
 * so new lines reuse them and no name is declared twice. */
static int load_secrets(struct scn_liverec *r, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int e = afile_read(r->path, 64u * 1024u * 1024u, &text, &len);
    if (e) {
        snprintf(err, errlen, "%s: %s", r->path, plat_strerror(e));
        return e;
    }
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        while (*line == ' ' || *line == '\t')
            line++;
        char name[SCN_SECRET_NAME_MAX + 1], value[SCN_SECRET_VALUE_MAX + 1];
        if (sscanf(line, "secret %64s %512s", name, value) == 2)
            (void)scn_secret_add(&r->secrets, name, value); /* a bad one: the parser says */
        if (strncmp(line, "open ", 5) == 0 || strncmp(line, "smtp ", 5) == 0)
            r->nsess++;
        unsigned n;
        if (sscanf(line, "secret PW_REC%u ", &n) == 1 && n > r->npw)
            r->npw = n;
    }
    free(text);
    return 0;
}

/* The new file: header, the export without its `begin`, boot, begin. */
static int start_text(struct lab *lab, const struct scn_liverec_opts *o, struct buf *b, char *err,
                      size_t errlen)
{
    struct scn_export_opts eo = {.version = o->version, .date = o->date, .lab_name = o->lab_name};
    char *text = NULL;
    size_t len = 0;
    int e = scn_export(lab, &eo, &text, &len, err, errlen);
    if (e)
        return e;
    char when[32];
    when_utc(o->date, when, sizeof when);
    if (len >= 6 && strcmp(text + len - 6, "begin\n") == 0)
        len -= 6;
    e = buf_printf(b,
                   "# Recorded by ntlab %s (ntlab up --record) on %s UTC from lab %s:\n"
                   "# the lab at `up`, then its admin steps and sessions as they happened.\n",
                   o->version, when, o->lab_name);
    if (!e)
        e = buf_append(b, text, len);
    /* `up` boots every machine (daemon.h) */
    if (!e)
        e = buf_puts(b, "ntlab boot\nbegin\n");
    free(text);
    if (e)
        snprintf(err, errlen, "%s", strerror(e));
    return e;
}

int scn_liverec_open(struct lab *lab, const struct scn_liverec_opts *o, struct scn_liverec **out,
                     char *err, size_t errlen)
{
    struct scn_liverec *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(o->path))) {
        free(r);
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return ENOMEM;
    }
    struct buf b = BUF_INIT;
    int e;
    bool exists = access(o->path, F_OK) == 0;
    if (exists && !o->append) {
        e = EEXIST;
        snprintf(err, errlen, "%s: the file exists (--append adds to it)", o->path);
    } else if (exists) {
        char when[32];
        when_utc(o->date, when, sizeof when);
        e = load_secrets(r, err, errlen);
        if (!e && (e = buf_printf(&b, "\n# Recording resumed by ntlab %s on %s UTC (lab %s).\n",
                                  o->version, when, o->lab_name)) == 0 &&
            (e = append_durably(o->path, b.p, b.len, O_APPEND)) != 0)
            snprintf(err, errlen, "%s: %s", o->path, strerror(e));
    } else if ((e = start_text(lab, o, &b, err, errlen)) == 0) {
        e = append_durably(o->path, b.p, b.len, O_CREAT | O_EXCL);
        if (e == 0)
            e = afile_sync_dir(o->path);
        if (e)
            snprintf(err, errlen, "%s: %s", o->path, strerror(e));
    }
    buf_free(&b);
    if (e) {
        scn_liverec_free(r);
        return e;
    }
    *out = r;
    return 0;
}

void scn_liverec_free(struct scn_liverec *r)
{
    if (!r)
        return;
    scn_secrets_free(&r->secrets);
    free(r->path);
    free(r);
}

/* The ${NAME} that stands for value: an old name when declared before,
 * else a new PW_RECn declared on out. 0 and name filled; EINVAL when no
 * secret line can hold value (a blank, a control byte, too long). */
static int secret_ref(struct scn_liverec *r, const char *value, struct buf *out, char *name,
                      size_t nlen)
{
    for (size_t i = 0; i < r->secrets.n; i++)
        if (strcmp(r->secrets.values[i], value) == 0) {
            snprintf(name, nlen, "%s", r->secrets.names[i]);
            return 0;
        }
    char nm[SCN_SECRET_NAME_MAX + 1];
    do
        snprintf(nm, sizeof nm, "PW_REC%u", ++r->npw);
    while (scn_secret_get(&r->secrets, nm));
    int e = scn_secret_add(&r->secrets, nm, value);
    if (e)
        return e;
    snprintf(name, nlen, "%s", nm);
    return buf_printf(out, "secret %s %s\n", nm, value);
}

/* A word as the scenario splitter reads it back (README "Admin steps"):
 * bare when it has no blank or quote, else '...' or "..." with \". */
static int put_word(struct buf *b, const char *w)
{
    if (w[0] && !strpbrk(w, " \t'\""))
        return buf_puts(b, w);
    if (!strchr(w, '\''))
        return buf_printf(b, "'%s'", w);
    int e = buf_putc(b, '"');
    for (; e == 0 && *w; w++)
        e = *w == '"' ? buf_puts(b, "\\\"") : buf_putc(b, *w);
    return e ? e : buf_putc(b, '"');
}

/* Steps that only look: not recorded (their output holds times and
 * listings a replay need not repeat: our choice). */
static bool read_only(int argc, char **argv)
{
    static const char *const cmds[] = {"errmsg", "eventlog", "status", "export"};
    static const char *const subs[] = {"list", "show", "who"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(argv[0], cmds[i]) == 0)
            return true;
    for (size_t i = 0; argc > 1 && i < sizeof subs / sizeof *subs; i++)
        if (strcmp(argv[1], subs[i]) == 0)
            return true;
    return false;
}

static bool secret_opt(const char *w)
{
    return strcmp(w, "--password") == 0 || strcmp(w, "--nt-hash") == 0 ||
           strcmp(w, "--apop-secret") == 0;
}

/* The here-doc's tag: DATA, or DATAn when a line of the body is DATA. */
static void heredoc_tag(const char *d, size_t len, char *tag, size_t n)
{
    for (unsigned k = 0;; k++) {
        if (k)
            snprintf(tag, n, "DATA%u", k);
        else
            snprintf(tag, n, "DATA");
        size_t tl = strlen(tag);
        bool clash = false;
        for (size_t i = 0; i + tl <= len && !clash; i++)
            clash = (i == 0 || d[i - 1] == '\n') && memcmp(d + i, tag, tl) == 0 &&
                    (i + tl == len || d[i + tl] == '\n' || d[i + tl] == '\r');
        if (!clash)
            return;
    }
}

/* The words of the step after "ntlab" (secrets declared on decl). *bad:
 * a password no secret line can hold; *file: the here-doc's argument. */
static int step_words(struct scn_liverec *r, const struct daemon_step *st, struct buf *line,
                      struct buf *decl, bool *bad)
{
    int logon_pw = strcmp(st->argv[0], "logon") == 0 && st->argc >= 3 &&
                           st->argv[st->argc - 1][0] != '-'
                       ? st->argc - 1
                       : -1;
    int e = buf_puts(line, "ntlab");
    for (int i = 0; e == 0 && i < st->argc; i++) {
        const char *w = st->argv[i];
        bool file = st->nfiles == 1 && st->files[0].arg == i;
        const char *eq = strncmp(w, "--password=", 11) == 0 ? w + 11 : NULL;
        char name[SCN_SECRET_NAME_MAX + 1];
        if (file) {
            e = buf_puts(line, " -");
        } else if (((i > 0 && secret_opt(st->argv[i - 1])) || i == logon_pw) && !w[0]) {
            e = buf_puts(line, " ''"); /* an empty password: nothing to mask, and it replays */
        } else if (eq && !eq[0]) {
            e = buf_puts(line, " --password=''");
        } else if ((i > 0 && secret_opt(st->argv[i - 1])) || i == logon_pw || eq) {
            int s = secret_ref(r, eq ? eq : w, decl, name, sizeof name);
            if (s == EINVAL)
                *bad = true;
            else if (s)
                e = s;
            else
                e = buf_printf(line, " %s${%s}", eq ? "--password=" : "", name);
        } else if ((e = buf_putc(line, ' ')) == 0) {
            e = put_word(line, w);
        }
    }
    if (e == 0 && st->machine && (e = buf_puts(line, " --machine ")) == 0)
        e = put_word(line, st->machine);
    return e;
}

/* out lines for the step's output, when short and fit for a check. A step
 * with a file has none: its output names the file, which the replay reads
 * from a here-doc of another name. */
static int step_checks(const struct daemon_step *st, struct buf *out)
{
    int e = st->rc ? buf_printf(out, "exit %d\n", st->rc) : 0;
    if (e || st->nfiles)
        return e;
    struct buf all = BUF_INIT;
    if (e || buf_append(&all, st->out, st->outlen) || buf_append(&all, st->err, st->errlen)) {
        buf_free(&all);
        return e ? e : ENOMEM;
    }
    unsigned lines = 0;
    bool fit = all.len > 0 && all.p[all.len - 1] == '\n' && !memchr(all.p, 0, all.len) &&
               !strstr(all.p, "\n\n") && all.p[0] != '\n' && !strstr(all.p, ".ctl-files");
    for (size_t i = 0; fit && i < all.len; i++)
        lines += all.p[i] == '\n';
    if (fit && lines <= OUT_LINES_MAX) {
        for (char *l = all.p, *nl; e == 0 && (nl = strchr(l, '\n')); l = nl + 1) {
            struct buf one = BUF_INIT;
            /* the same escapes as a server line ("{{", a trailing CR) */
            e = scn_record_line(&one, "out", 1, l, (size_t)(nl - l), 0, 0);
            /* "out < TEXT" -> "out TEXT" */
            if (e == 0)
                e = buf_printf(out, "out%s", one.p + 5);
            buf_free(&one);
        }
    }
    buf_free(&all);
    return e;
}

int scn_liverec_step_text(struct scn_liverec *r, const struct daemon_step *st, struct buf *out)
{
    if (st->argc < 1 || read_only(st->argc, st->argv))
        return 0;
    if (st->nfiles > 1 ||
        (st->nfiles == 1 && memchr(st->files[0].data, 0, st->files[0].len)))
        return buf_printf(out, "# not recorded: an 'ntlab %s' step with %s\n", st->argv[0],
                          st->nfiles > 1 ? "several files" : "a binary file");
    struct buf line = BUF_INIT, decl = BUF_INIT;
    bool bad = false;
    int e = step_words(r, st, &line, &decl, &bad);
    if (e == 0 && bad) {
        /* no secret line holds it: the step is shown masked, not replayable */
        e = buf_append(out, decl.p ? decl.p : "", decl.len);
        if (e == 0)
            e = buf_printf(out, "# not recorded (a password with a blank or control byte): ntlab %s\n",
                       st->argv[0]);
    } else if (e == 0) {
        char tag[16];
        const struct control_file *f = st->nfiles ? &st->files[0] : NULL;
        if (f)
            heredoc_tag(f->data, f->len, tag, sizeof tag);
        e = buf_append(out, decl.p ? decl.p : "", decl.len);
        if (e == 0)
            e = buf_printf(out, "%s%s%s\n", line.p, f ? " <<" : "", f ? tag : "");
        if (e == 0 && f && (e = buf_append(out, f->data, f->len)) == 0 && f->len &&
            f->data[f->len - 1] != '\n')
            e = buf_putc(out, '\n'); /* a here-doc line ends in LF (export's choice too) */
        if (e == 0 && f)
            e = buf_printf(out, "%s\n", tag);
        if (e == 0)
            e = step_checks(st, out);
    }
    buf_free(&line);
    buf_free(&decl);
    return e;
}

/* A session's partial line per direction while its tape is read. */
struct sess_state {
    struct scn_liverec *r;
    char name[16];
    struct buf part[2]; /* [0] client, [1] server */
    struct scn_mask mask;
    bool greeted;
};

/* One client line: what mask.h would mask becomes a secret. */
static int client_line(struct sess_state *ss, struct buf *out, const char *l, size_t n,
                       int bare_lf)
{
    struct buf shown = BUF_INIT, text = BUF_INIT;
    int e = memchr(l, 0, n) ? 0 : scn_mask_client(&ss->mask, &shown, l, n);
    if (e == 0 && shown.len == n && memcmp(shown.p ? shown.p : "", l, n) == 0) {
        e = scn_record_line(out, ss->name, 0, l, n, bare_lf, 0);
    } else if (e == 0) {
        /* shown = the kept prefix + SCN_MASK_TEXT: the rest is the secret */
        size_t keep = shown.len >= strlen(SCN_MASK_TEXT) ? shown.len - strlen(SCN_MASK_TEXT) : 0;
        char *value = str_dupn(l + keep, n - keep), name[SCN_SECRET_NAME_MAX + 1];
        e = value ? secret_ref(ss->r, value, out, name, sizeof name) : ENOMEM;
        if (e == EINVAL) /* no secret line holds it: shown masked (not replayable) */
            e = buf_printf(out, "# %s sent a password no secret line can hold\n%s > %s\n",
                           ss->name, ss->name, shown.p);
        else if (e == 0 && (e = buf_append(&text, l, keep)) == 0 &&
                 (e = buf_printf(&text, "${%s}", name)) == 0)
            e = scn_record_line(out, ss->name, 0, text.p, text.len, bare_lf, 0);
        free(value);
    }
    buf_free(&shown);
    buf_free(&text);
    return e;
}

/* Bytes from one side: each complete line goes out at once. */
static int sess_bytes(struct sess_state *ss, struct buf *out, int server, const char *p, size_t n)
{
    struct buf *part = &ss->part[server];
    int e = 0;
    for (size_t i = 0; e == 0 && i < n; i++) {
        if (p[i] != '\n') {
            e = buf_putc(part, p[i]);
            continue;
        }
        size_t len = part->len;
        int bare_lf = !(len && part->p[len - 1] == '\r');
        if (!bare_lf)
            len--;
        const char *l = part->p ? part->p : "";
        if (server) {
            scn_mask_server(&ss->mask, l, len);
            e = scn_record_line(out, ss->name, 1, l, len, bare_lf, !ss->greeted);
            ss->greeted = true;
        } else {
            e = client_line(ss, out, l, len, bare_lf);
        }
        buf_reset(part);
    }
    return e;
}

static int sess_tape(struct sess_state *ss, const struct daemon_session_rec *s, struct buf *out)
{
    int e = 0;
    for (size_t at = 0; e == 0 && at + 5 <= s->len;) {
        const unsigned char *h = (const unsigned char *)s->tape + at;
        size_t n = (size_t)h[1] | (size_t)h[2] << 8 | (size_t)h[3] << 16 | (size_t)h[4] << 24;
        if (n > s->len - at - 5)
            return EINVAL; /* not a tape streamconn.c wrote */
        e = sess_bytes(ss, out, h[0] == 'S', s->tape + at + 5, n);
        at += 5 + n;
    }
    for (int d = 0; e == 0 && d < 2; d++)
        if (ss->part[d].len)
            e = buf_printf(out, "# %s: %zu bytes %s without a line end (not replayed)\n",
                           ss->name, ss->part[d].len, d ? "the server sent" : "the client sent");
    return e;
}

int scn_liverec_session_text(struct scn_liverec *r, const struct daemon_session_rec *s,
                             struct buf *out)
{
    struct sess_state ss = {.r = r};
    snprintf(ss.name, sizeof ss.name, "s%u", ++r->nsess);
    struct buf body = BUF_INIT;
    int e = buf_printf(&body, "%s %s", s->smtp ? "smtp" : "open", ss.name);
    if (e == 0)
        e = s->machine ? buf_printf(&body, " %s\n", s->machine) : buf_putc(&body, '\n');
    if (e == 0)
        e = sess_tape(&ss, s, &body);
    if (e == 0 && s->truncated)
        e = buf_printf(&body, "# %s: longer than %u bytes, the rest not recorded\n", ss.name,
                       DAEMON_TAPE_MAX);
    if (e == 0)
        e = s->server_closed ? buf_printf(&body, "%s closed\n", ss.name)
                             : buf_printf(&body, "close %s\n", ss.name);
    if (e == 0)
        e = buf_append(out, body.p, body.len);
    buf_free(&body);
    buf_free(&ss.part[0]);
    buf_free(&ss.part[1]);
    return e;
}

static int hook_append(struct scn_liverec *r, struct buf *b, char *err, size_t errlen)
{
    int e = b->len ? append_durably(r->path, b->p, b->len, O_APPEND) : 0;
    if (e)
        snprintf(err, errlen, "%s: %s", r->path, strerror(e));
    return e;
}

static int hook_step(void *arg, const struct daemon_step *st, char *err, size_t errlen)
{
    struct scn_liverec *r = arg;
    struct buf b = BUF_INIT;
    int e = scn_liverec_step_text(r, st, &b);
    if (e)
        snprintf(err, errlen, "%s: a step: %s", r->path, strerror(e));
    else
        e = hook_append(r, &b, err, errlen);
    buf_free(&b);
    return e;
}

static int hook_session(void *arg, const struct daemon_session_rec *s, char *err, size_t errlen)
{
    struct scn_liverec *r = arg;
    struct buf b = BUF_INIT;
    int e = scn_liverec_session_text(r, s, &b);
    if (e)
        snprintf(err, errlen, "%s: a session: %s", r->path, strerror(e));
    else
        e = hook_append(r, &b, err, errlen);
    buf_free(&b);
    return e;
}

const struct daemon_recorder scn_liverec_hooks = {.step = hook_step, .session = hook_session};
