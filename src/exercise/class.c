/* A class directory: its configuration, ports and layout (class.h). */
#include "src/exercise/class.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/kvfile.h"
#include "src/lib/plat.h"
#include "src/scenario/scenario.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int class_path(char *out, size_t n, const char *dir, const char *sub)
{
    int k = snprintf(out, n, "%s/%s", dir, sub);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

int class_lab_path(char *out, size_t n, const char *dir, const char *login)
{
    int k = snprintf(out, n, "%s/labs/%s", dir, login);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

static bool exercise_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CLASS_EXERCISE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              ((c == '.' || c == '_' || c == '-') && i > 0)))
            return false;
    }
    return true;
}

int class_conf_make(struct class_conf *c, const char *exercise, bool preset, const struct roster *r,
                    unsigned port_base, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!exercise_name_ok(exercise)) {
        snprintf(err, errlen, "%s name '%.70s' is not 1-64 letters, digits, '.', '_', '-'",
                 preset ? "preset" : "exercise", exercise);
        return EINVAL;
    }
    unsigned long last = port_base + (unsigned long)r->n * CLASS_PORTS_PER_STUDENT - 1;
    if (port_base < 1024 || last > 65535) {
        snprintf(err, errlen,
                 "--port-base %u: %zu students need ports %u-%lu (3 each), which must lie "
                 "within 1024-65535",
                 port_base, r->n, port_base, last);
        return EINVAL;
    }
    c->s = calloc(r->n ? r->n : 1, sizeof *c->s);
    if (!c->s)
        return ENOMEM;
    snprintf(c->exercise, sizeof c->exercise, "%s", exercise);
    c->preset = preset;
    c->port_base = port_base;
    for (size_t i = 0; i < r->n; i++) {
        struct class_student *s = &c->s[i];
        memcpy(s->login, r->s[i].login, sizeof s->login);
        memcpy(s->display, r->s[i].display, sizeof s->display);
        s->seed = r->s[i].seed;
        s->pop3 = port_base + (unsigned)i * CLASS_PORTS_PER_STUDENT;
        s->smtp = s->pop3 + 1;
        s->console = s->pop3 + 2;
    }
    c->n = r->n;
    return 0;
}

int class_conf_save(const char *dir, const struct class_conf *c)
{
    char path[4096];
    int e = class_path(path, sizeof path, dir, "instructor/class.conf");
    if (e)
        return e;
    struct buf b = BUF_INIT;
    e = buf_printf(&b,
               "# ntlab class (issue 16): written by 'ntlab class init'; the instructor's only\n"
               "[class]\n%s = %s\nport-base = %u\n",
               c->preset ? "preset" : "exercise", c->exercise, c->port_base);
    for (size_t i = 0; i < c->n && !e; i++) {
        const struct class_student *s = &c->s[i];
        e = buf_printf(&b, "\n[student %s]\ndisplay = \"", s->login);
        for (const char *p = s->display; *p && !e; p++) /* str_unquote's escapes */
            e = (*p == '"' || *p == '\\') ? buf_printf(&b, "\\%c", *p) : buf_putc(&b, *p);
        if (!e)
            e = buf_printf(&b, "\"\nseed = %lu\npop3 = %u\nsmtp = %u\nconsole = %u\n",
                           (unsigned long)s->seed, s->pop3, s->smtp, s->console);
    }
    if (!e)
        e = afile_write(path, b.p, b.len, 0600);
    buf_free(&b);
    return e;
}

static const struct kvfile_syntax class_syntax = {
    .comments = "#",
    .sections = true,
    .quoted = true,
    .line_max = 512,
    .bad_text = "not valid text (",
    .bad_text_end = ")",
    .no_equals = "expected KEY = VALUE",
    .bad_header = "'[' without ']'",
    .outside = "setting before [class]",
};

static bool parse_uint(const char *v, unsigned long max, unsigned long *out)
{
    if (!*v || strlen(v) > 10)
        return false;
    unsigned long x = 0;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return false;
        x = x * 10 + (unsigned long)(*v - '0');
    }
    *out = x;
    return x <= max;
}

/* One "key = value" of the current student s (or of the class when s is NULL). */
static int conf_pair(struct kvfile *f, struct class_conf *c, struct class_student *s,
                     const struct kvfile_item *it)
{
    unsigned long v = 0;
    if (!s && (strcmp(it->key, "exercise") == 0 || strcmp(it->key, "preset") == 0)) {
        if (c->exercise[0])
            return kvfile_fail(f, it->line, "a second exercise or preset");
        if (!exercise_name_ok(it->value))
            return kvfile_fail(f, it->line, "bad %s name '%.70s'", it->key, it->value);
        snprintf(c->exercise, sizeof c->exercise, "%s", it->value);
        c->preset = it->key[0] == 'p';
        return 0;
    }
    if (s && strcmp(it->key, "display") == 0) {
        if (strlen(it->value) > ROSTER_DISPLAY_MAX)
            return kvfile_fail(f, it->line, "display name longer than 64 bytes");
        snprintf(s->display, sizeof s->display, "%s", it->value);
        return 0;
    }
    bool port = strcmp(it->key, "pop3") == 0 || strcmp(it->key, "smtp") == 0 ||
                strcmp(it->key, "console") == 0 || (!s && strcmp(it->key, "port-base") == 0);
    if (port && (!parse_uint(it->value, 65535, &v) || v == 0))
        return kvfile_fail(f, it->line, "%s = '%.20s' is not a port", it->key, it->value);
    if (!s && port) {
        c->port_base = (unsigned)v;
    } else if (s && port) {
        unsigned *slot = it->key[0] == 'p' ? &s->pop3 : it->key[0] == 's' ? &s->smtp : &s->console;
        *slot = (unsigned)v;
    } else if (s && strcmp(it->key, "seed") == 0) {
        if (!parse_uint(it->value, UINT32_MAX, &v))
            return kvfile_fail(f, it->line, "seed = '%.20s' is not a number", it->value);
        s->seed = (uint32_t)v;
    } else {
        return kvfile_fail(f, it->line, "unknown key '%.40s'", it->key);
    }
    return 0;
}

/* "[class]" (0, *is_class) or "[student LOGIN]" (a new student). */
static int conf_section(struct kvfile *f, struct class_conf *c, const struct kvfile_item *it,
                        bool *is_class)
{
    *is_class = strcmp(it->name, "class") == 0;
    if (*is_class)
        return c->n ? kvfile_fail(f, it->line, "[class] after the students") : 0;
    if (strncmp(it->name, "student ", 8) != 0 || !roster_login_ok(it->name + 8))
        return kvfile_fail(f, it->line, "expected [class] or [student LOGIN], not '[%.40s]'",
                           it->name);
    const char *login = it->name + 8;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->s[i].login, login) == 0)
            return kvfile_fail(f, it->line, "[student %s] given twice", login);
    if (c->n == ROSTER_MAX_STUDENTS)
        return kvfile_fail(f, it->line, "more than %d students", ROSTER_MAX_STUDENTS);
    if (c->n % 64 == 0) {
        struct class_student *g = realloc(c->s, (c->n + 64) * sizeof *g);
        if (!g)
            return ENOMEM;
        c->s = g;
    }
    memset(&c->s[c->n], 0, sizeof c->s[c->n]);
    snprintf(c->s[c->n].login, sizeof c->s[c->n].login, "%s", login);
    c->n++;
    return 0;
}

int class_conf_load(const char *dir, struct class_conf *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    char path[4096];
    if (class_path(path, sizeof path, dir, "instructor/class.conf"))
        return snprintf(err, errlen, "%.200s: name too long", dir), ENAMETOOLONG;
    struct kvfile f;
    int e = kvfile_open(&f, path, 1u << 20, &class_syntax, err, errlen);
    if (e == ENOENT)
        snprintf(err, errlen, "%s is not a class directory (no instructor/class.conf; make one "
                 "with 'ntlab class init')", dir);
    struct kvfile_item it;
    struct class_student *cur = NULL;
    while (!e && !(e = kvfile_next(&f, &it)) && it.kind != KVFILE_END) {
        if (it.kind == KVFILE_SECTION) {
            bool is_class;
            e = conf_section(&f, c, &it, &is_class);
            cur = e || is_class ? NULL : &c->s[c->n - 1];
        } else {
            e = conf_pair(&f, c, cur, &it);
        }
    }
    if (!e && (!c->exercise[0] || !c->n))
        e = kvfile_fail(&f, 0, "no %s", c->exercise[0] ? "students" : "'exercise = NAME' in [class]");
    for (size_t i = 0; !e && i < c->n; i++)
        if (!c->s[i].pop3 || !c->s[i].smtp || !c->s[i].console)
            e = kvfile_fail(&f, 0, "[student %s] lacks a port (pop3, smtp, console)", c->s[i].login);
    if (e == ENOMEM)
        snprintf(err, errlen, "%s: %s", path, strerror(e));
    kvfile_close(&f);
    if (e)
        class_conf_free(c);
    return e;
}

void class_conf_free(struct class_conf *c)
{
    free(c->s);
    c->s = NULL;
    c->n = 0;
}

int class_dir_check(const char *dir, char *err, size_t errlen)
{
    struct plat_stat st;
    int e = plat_stat(dir, &st);
    if (e == ENOENT)
        return 0;
    if (e || !st.is_dir) {
        snprintf(err, errlen, "%s: %s", dir, e ? plat_strerror(e) : "not a directory");
        return e ? e : ENOTDIR;
    }
    struct plat_dir *d;
    if ((e = plat_dir_open(dir, &d))) {
        snprintf(err, errlen, "%s: %s", dir, plat_strerror(e));
        return e;
    }
    const char *name;
    enum plat_dtype t;
    while ((e = plat_dir_next(d, &name, &t)) == 0)
        if (strcmp(name, ".") && strcmp(name, ".."))
            break;
    plat_dir_close(d);
    if (e == 0) {
        snprintf(err, errlen, "%s is not empty (class init makes a new class in an empty or "
                 "absent directory)", dir);
        return ENOTEMPTY;
    }
    if (e != ENOENT)
        snprintf(err, errlen, "%s: %s", dir, plat_strerror(e));
    return e == ENOENT ? 0 : e;
}

int class_dir_begin(const char *dir, char *tmp, size_t n)
{
    /* beside dir, so that the final rename stays on one file system */
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (dir[i] == '/')
            slash = dir + i;
    int parent = slash ? (int)(slash - dir) + 1 : 0;
    const char *base = dir + parent;
    int k = snprintf(tmp, n, "%.*s.%.*s.init-XXXXXX", parent, dir, (int)(len - (size_t)parent),
                     base);
    if (k < 0 || (size_t)k >= n)
        return ENAMETOOLONG;
    int e = plat_mkdtemp(tmp);
    char p[4096];
    if (!e && !(e = class_path(p, sizeof p, tmp, "instructor")) && !(e = plat_mkdir(p, 0700)))
        e = plat_chmod(p, CLASS_INSTRUCTOR_MODE);
    if (!e && !(e = class_path(p, sizeof p, tmp, "instructor/logs")))
        e = plat_mkdir(p, 0700);
    if (!e && !(e = class_path(p, sizeof p, tmp, "labs")) && !(e = plat_mkdir(p, 0700)))
        e = plat_chmod(p, CLASS_LABS_MODE);
    return e;
}

int class_dir_commit(const char *tmp, const char *dir)
{
    int e = plat_chmod(tmp, CLASS_DIR_MODE);
    if (e)
        return e;
    struct plat_stat st;
    if (plat_stat(dir, &st) == 0 && st.is_dir && rmdir(dir) != 0)
        return errno; /* not empty after all (someone wrote there meanwhile): refuse */
    if ((e = plat_rename(tmp, dir)))
        return e;
    return afile_sync_dir(dir);
}

void class_dir_abort(const char *tmp)
{
    (void)scn_rmtree(tmp);
}
