#include "src/mailstore/maildrop.h"
#include "src/mailstore/maildrop_int.h"
#include "src/lib/arr.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/filelock.h"
#include "src/lib/md5.h"
#include "src/lib/plat.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAILDROP_LOCK ".ntlab-pop3.lock"

static const char *const md_sub[2] = {"new", "cur"};

struct md_msg {
    const char *name; /* in the pool: file name, NUL, uid, NUL */
    const char *uid;
    uint64_t size;
    int64_t t; /* leading delivery time, for ordering */
    unsigned sub;
};

struct maildrop {
    char *dir;
    struct filelock lock;
    struct md_msg *msg;
    size_t n;
    uint64_t total;
    char *pool;
    size_t pool_len;
    int fd; /* open message for chunked reads */
    size_t fd_i;
};

static int md_path(char *out, size_t n, const char *dir, const char *sub, const char *name)
{
    int w = name ? snprintf(out, n, "%s/%s/%s", dir, sub, name) : snprintf(out, n, "%s/%s", dir, sub);
    return w < 0 || (size_t)w >= n ? ENAMETOOLONG : 0;
}

int maildrop_create(const char *dir)
{
    char p[PATH_MAX];
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (unsigned i = 0; i < 3; i++) {
        int rc = md_path(p, sizeof p, dir, subs[i], NULL);
        if (!rc)
            rc = afile_mkdirs(p, 0700);
        if (rc)
            return rc;
    }
    return 0;
}

/* --- sizes as sent -------------------------------------------------------- */

void maildrop_size_init(struct maildrop_sizer *z)
{
    z->octets = 0;
    z->last = -1;
}

void maildrop_size_add(struct maildrop_sizer *z, const void *data, size_t n)
{
    const unsigned char *p = data;
    z->octets += n;
    for (size_t i = 0; i < n; i++) {
        /* a bare LF is sent as CRLF */
        if (p[i] == '\n' && z->last != '\r')
            z->octets++;
        z->last = p[i];
    }
}

uint64_t maildrop_size_end(const struct maildrop_sizer *z)
{
    /* a last line without LF is sent with a CRLF added */
    return z->octets + (z->last >= 0 && z->last != '\n' ? 2 : 0);
}

uint64_t maildrop_sent_size(const void *data, size_t len)
{
    struct maildrop_sizer z;
    maildrop_size_init(&z);
    maildrop_size_add(&z, data, len);
    return maildrop_size_end(&z);
}

/* --- scan ----------------------------------------------------------------- */

/* Courier's ",W=<n>" field of a base name; false when absent or malformed. */
static bool md_name_wsize(const char *base, size_t blen, uint64_t *out)
{
    for (size_t i = 0; i + 3 <= blen; i++) {
        if (base[i] != ',' || base[i + 1] != 'W' || base[i + 2] != '=')
            continue;
        size_t j = i + 3;
        uint64_t v = 0;
        if (j >= blen || base[j] < '0' || base[j] > '9')
            return false;
        for (; j < blen && base[j] >= '0' && base[j] <= '9'; j++) {
            if (v > (UINT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (uint64_t)(base[j] - '0');
        }
        if (j < blen && base[j] != ',')
            return false;
        *out = v;
        return true;
    }
    return false;
}

static int md_file_size(const char *path, uint64_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno;
    struct maildrop_sizer z;
    maildrop_size_init(&z);
    char chunk[8192];
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = errno;
            break;
        }
        if (r == 0)
            break;
        maildrop_size_add(&z, chunk, (size_t)r);
    }
    close(fd);
    *out = maildrop_size_end(&z);
    return rc;
}

static bool md_uid_ok(const char *s, size_t n)
{
    if (n < 1 || n > MAILDROP_UID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* Pool entries are recorded as offsets while the pool grows, and turned
 * into pointers once the scan is complete. */
struct md_scan {
    struct buf pool;
    struct md_msg *msg;
    size_t n, cap;
    bool read_files; /* a size came from a file's content, not its name */
};

static int md_scan_sub(struct maildrop *md, struct md_scan *sc, unsigned sub)
{
    char p[PATH_MAX];
    int rc = md_path(p, sizeof p, md->dir, md_sub[sub], NULL);
    if (rc)
        return rc;
    struct plat_dir *d;
    rc = plat_dir_open(p, &d);
    if (rc)
        return rc;
    int e;
    for (;;) {
        const char *name;
        enum plat_dtype type;
        e = plat_dir_next(d, &name, &type);
        if (e)
            break;
        if (name[0] == '.')
            continue; /* ".", "..", and hidden files by Maildir convention */
        if (type != PLAT_DT_REG)
            continue; /* symbolic links are not followed */
        if (sc->n >= MAILDROP_MAX_MESSAGES) {
            rc = EFBIG;
            break;
        }
        struct md_msg *grown = arr_grow(sc->msg, &sc->cap, sc->n, sizeof *grown, 64);
        if (!grown) {
            rc = ENOMEM;
            break;
        }
        sc->msg = grown;
        size_t nlen = strlen(name);
        const char *colon = memchr(name, ':', nlen);
        size_t blen = colon ? (size_t)(colon - name) : nlen;
        struct md_msg *m = &sc->msg[sc->n];
        m->sub = sub;
        m->t = 0;
        for (size_t i = 0; i < blen && name[i] >= '0' && name[i] <= '9' && m->t < INT64_MAX / 100; i++)
            m->t = m->t * 10 + (name[i] - '0');
        if (!md_name_wsize(name, blen, &m->size)) {
            sc->read_files = true;
            rc = md_path(p, sizeof p, md->dir, md_sub[sub], name);
            if (!rc)
                rc = md_file_size(p, &m->size);
            if (rc == ENOENT) { /* vanished between readdir and open */
                rc = 0;
                continue;
            }
            if (rc)
                break;
        }
        size_t off = sc->pool.len;
        if (buf_append(&sc->pool, name, nlen + 1)) {
            rc = ENOMEM;
            break;
        }
        if (md_uid_ok(name, blen)) {
            rc = buf_append(&sc->pool, name, blen);
        } else {
            char hex[33];
            md5_hex(name, blen, hex);
            rc = buf_append(&sc->pool, hex, 32);
        }
        if (rc || buf_putc(&sc->pool, 0)) {
            rc = ENOMEM;
            break;
        }
        m->name = (const char *)(uintptr_t)off; /* offset until the pool is final */
        sc->n++;
    }
    if (!rc && e != ENOENT)
        rc = e;
    plat_dir_close(d);
    return rc;
}

static int md_cmp(const void *a, const void *b)
{
    const struct md_msg *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->sub > y->sub) - (x->sub < y->sub);
}

/* --- the listing cache ------------------------------------------------------ */

#define MDC_SLOTS 4096u            /* direct-mapped by the directory's hash */
#define MDC_BYTES (64u << 20)      /* all listings together */
#define MDC_SETTLE_NS 2000000000LL /* older than any time stamp granularity */

struct mdc_stamp {
    uint64_t dev, ino;
    int64_t mtime_ns, ctime_ns;
};

struct mdc_entry {
    char *dir; /* NULL: empty slot */
    struct mdc_stamp st[2]; /* new/, cur/ when listed */
    struct md_msg *msg;     /* sorted; names point into pool */
    size_t n, pool_len, bytes;
    uint64_t total;
    char *pool;
};

struct maildrop_cache {
    size_t bytes;
    struct mdc_entry e[MDC_SLOTS];
};

struct maildrop_cache *maildrop_cache_new(void)
{
    return calloc(1, sizeof(struct maildrop_cache));
}

static void mdc_clear(struct maildrop_cache *c, struct mdc_entry *e)
{
    c->bytes -= e->bytes;
    free(e->dir);
    free(e->msg);
    free(e->pool);
    memset(e, 0, sizeof *e);
}

void maildrop_cache_free(struct maildrop_cache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < MDC_SLOTS; i++)
        mdc_clear(c, &c->e[i]);
    free(c);
}

size_t maildrop_cache_count(const struct maildrop_cache *c)
{
    size_t n = 0;
    for (unsigned i = 0; c && i < MDC_SLOTS; i++)
        n += c->e[i].dir != NULL;
    return n;
}

static struct mdc_entry *mdc_slot(struct maildrop_cache *c, const char *dir)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *q = (const unsigned char *)dir; *q; q++)
        h = (h ^ *q) * 16777619u;
    return &c->e[h % MDC_SLOTS];
}

/* Copies n messages and their pool, pointing the names into the copy. */
static int mdc_copy(const struct md_msg *msg, size_t n, const char *pool, size_t pool_len,
                    struct md_msg **msg_out, char **pool_out)
{
    *msg_out = malloc(n ? n * sizeof *msg : 1);
    *pool_out = malloc(pool_len ? pool_len : 1);
    if (!*msg_out || !*pool_out) {
        free(*msg_out);
        free(*pool_out);
        return ENOMEM;
    }
    memcpy(*pool_out, pool, pool_len);
    for (size_t i = 0; i < n; i++) {
        (*msg_out)[i] = msg[i];
        (*msg_out)[i].name = *pool_out + (msg[i].name - pool);
        (*msg_out)[i].uid = *pool_out + (msg[i].uid - pool);
    }
    return 0;
}

/* The listing of md (just scanned, under its lock) is kept when both
 * directories had settled before the scan began (t0): a later change then
 * gets a later time stamp, whatever the file system's granularity. */
static void mdc_store(struct maildrop_cache *c, const struct maildrop *md,
                      const struct mdc_stamp st[2], int64_t t0)
{
    for (unsigned s = 0; s < 2; s++)
        if (st[s].mtime_ns > t0 - MDC_SETTLE_NS || st[s].ctime_ns > t0 - MDC_SETTLE_NS)
            return;
    struct mdc_entry *e = mdc_slot(c, md->dir);
    mdc_clear(c, e);
    size_t bytes = md->n * sizeof *md->msg + md->pool_len + strlen(md->dir) + 1;
    if (bytes > MDC_BYTES - c->bytes)
        return;
    e->dir = strdup(md->dir);
    if (!e->dir || mdc_copy(md->msg, md->n, md->pool, md->pool_len, &e->msg, &e->pool)) {
        free(e->dir);
        memset(e, 0, sizeof *e);
        return;
    }
    memcpy(e->st, st, sizeof e->st);
    e->n = md->n;
    e->pool_len = md->pool_len;
    e->total = md->total;
    e->bytes = bytes;
    c->bytes += bytes;
}

/* A copy of the cached listing of md->dir when new/ and cur/ are as they
 * were then: 0, or ENOENT (no such listing) or ENOMEM. */
static int mdc_load(struct maildrop_cache *c, struct maildrop *md, const struct mdc_stamp st[2])
{
    struct mdc_entry *e = mdc_slot(c, md->dir);
    if (!e->dir || strcmp(e->dir, md->dir) || memcmp(e->st, st, sizeof e->st))
        return ENOENT;
    int rc = mdc_copy(e->msg, e->n, e->pool, e->pool_len, &md->msg, &md->pool);
    if (rc)
        return rc;
    md->n = e->n;
    md->pool_len = e->pool_len;
    md->total = e->total;
    return 0;
}

/* --- open ------------------------------------------------------------------ */

static int md_scan(struct maildrop *md, bool *read_files)
{
    struct md_scan sc = {BUF_INIT, NULL, 0, 0, false};
    int rc = 0;
    for (unsigned s = 0; s < 2 && !rc; s++)
        rc = md_scan_sub(md, &sc, s);
    if (rc) {
        buf_free(&sc.pool);
        free(sc.msg);
        return rc;
    }
    *read_files = sc.read_files;
    md->pool_len = sc.pool.len;
    md->pool = buf_steal(&sc.pool);
    md->msg = sc.msg;
    md->n = sc.n;
    for (size_t i = 0; i < md->n; i++) {
        md->msg[i].name = md->pool + (uintptr_t)md->msg[i].name;
        md->msg[i].uid = md->msg[i].name + strlen(md->msg[i].name) + 1;
        md->total += md->msg[i].size;
    }
    if (md->n > 1)
        qsort(md->msg, md->n, sizeof *md->msg, md_cmp);
    return 0;
}

int maildrop_open(const char *dir, struct maildrop **out)
{
    return maildrop_open_cached(dir, NULL, out);
}

int maildrop_open_cached(const char *dir, struct maildrop_cache *c, struct maildrop **out)
{
    *out = NULL;
    struct maildrop *md = calloc(1, sizeof *md);
    if (!md)
        return ENOMEM;
    md->fd = -1;
    md->lock.fd = -1;
    md->dir = strdup(dir);
    if (!md->dir) {
        free(md);
        return ENOMEM;
    }
    struct timespec now;
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &now);
    int64_t t0 = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
    char p[PATH_MAX];
    struct plat_stat st;
    struct mdc_stamp stamp[2];
    int rc = 0;
    for (unsigned s = 0; s < 2 && !rc; s++) {
        rc = md_path(p, sizeof p, dir, md_sub[s], NULL);
        if (!rc)
            rc = plat_stat(p, &st);
        if (!rc && !st.is_dir)
            rc = ENOENT;
        if (!rc)
            stamp[s] = (struct mdc_stamp){st.dev, st.ino,
                                          st.mtime_sec * 1000000000LL + st.mtime_nsec,
                                          st.ctime_sec * 1000000000LL + st.ctime_nsec};
    }
    if (!rc)
        rc = md_path(p, sizeof p, dir, MAILDROP_LOCK, NULL);
    if (!rc) {
        rc = filelock_acquire(&md->lock, p, false);
        if (rc == EWOULDBLOCK || rc == EAGAIN)
            rc = EBUSY;
    }
    /* Windows keeps no change time of a directory we can trust here: no cache */
    if (PLAT_WINDOWS)
        c = NULL;
    bool cached = false, read_files = true;
    if (!rc && c) {
        rc = mdc_load(c, md, stamp);
        cached = rc == 0;
        if (rc == ENOENT)
            rc = 0;
    }
    if (!rc && !cached) {
        rc = md_scan(md, &read_files);
        if (!rc && c && !read_files)
            mdc_store(c, md, stamp, t0);
    }
    if (rc) {
        maildrop_close(md);
        return rc;
    }
    *out = md;
    return 0;
}

void maildrop_close(struct maildrop *md)
{
    if (!md)
        return;
    if (md->fd >= 0)
        close(md->fd);
    filelock_release(&md->lock);
    free(md->msg);
    free(md->pool);
    free(md->dir);
    free(md);
}

size_t maildrop_count(const struct maildrop *md)
{
    return md->n;
}

uint64_t maildrop_total(const struct maildrop *md)
{
    return md->total;
}

uint64_t maildrop_size(const struct maildrop *md, size_t i)
{
    return md->msg[i].size;
}

const char *maildrop_uid(const struct maildrop *md, size_t i)
{
    return md->msg[i].uid;
}

const char *maildrop_name(const struct maildrop *md, size_t i)
{
    return md->msg[i].name;
}

/* The file of message i. */
static int msg_path(const struct maildrop *md, size_t i, char *p, size_t n)
{
    return md_path(p, n, md->dir, md_sub[md->msg[i].sub], md->msg[i].name);
}

int maildrop_read(struct maildrop *md, size_t i, uint64_t off, void *buf, size_t cap, size_t *got)
{
    *got = 0;
    if (i >= md->n)
        return EINVAL;
    if (md->fd < 0 || md->fd_i != i) {
        maildrop_read_done(md);
        char p[PATH_MAX];
        int rc = msg_path(md, i, p, sizeof p);
        if (rc)
            return rc;
        md->fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (md->fd < 0)
            return errno;
        md->fd_i = i;
    }
    if (off > (uint64_t)INT64_MAX)
        return EINVAL;
    for (;;) {
        ssize_t r = plat_pread(md->fd, buf, cap, (int64_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        *got = (size_t)r;
        return 0;
    }
}

void maildrop_read_done(struct maildrop *md)
{
    if (md->fd >= 0)
        close(md->fd);
    md->fd = -1;
}

unsigned maildrop_fds(const struct maildrop *md)
{
    return (md->lock.fd >= 0) + (md->fd >= 0);
}

int maildrop_remove(struct maildrop *md, size_t i)
{
    if (i >= md->n)
        return EINVAL;
    if (md->fd >= 0 && md->fd_i == i)
        maildrop_read_done(md);
    char p[PATH_MAX];
    int rc = msg_path(md, i, p, sizeof p);
    if (rc)
        return rc;
    if (unlink(p) && errno != ENOENT)
        return errno;
    return 0;
}

int maildrop_sync(struct maildrop *md)
{
    char p[PATH_MAX];
    for (unsigned s = 0; s < 2; s++) {
        /* afile_sync_dir syncs the directory holding the path it is given */
        int rc = md_path(p, sizeof p, md->dir, md_sub[s], "x");
        if (!rc)
            rc = afile_sync_dir(p);
        if (rc)
            return rc;
    }
    return 0;
}

/* --- delivery ------------------------------------------------------------- */

int maildrop_deliver(const char *dir, const void *data, size_t len, int64_t now, char *name_out,
                     size_t name_cap)
{
    if (name_out && name_cap)
        name_out[0] = 0;
    if (now < 0)
        return EINVAL;
    uint8_t rnd[4];
    int rc = plat_random(rnd, sizeof rnd);
    if (rc)
        return rc;
    /* Only a tie-breaker inside one second of the machine's clock (which may
     * be virtual and stand still): the real clock keeps such deliveries in
     * the order they happened. */
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    char name[160];
    rc = maildrop_file_name(name, sizeof name, now, ns, rnd, len, maildrop_sent_size(data, len));
    if (rc)
        return rc;
    char tmp[PATH_MAX], dst[PATH_MAX];
    struct stat st;
    rc = md_path(dst, sizeof dst, dir, "new", NULL);
    if (rc)
        return rc;
    if (stat(dst, &st) || !S_ISDIR(st.st_mode))
        return ENOENT; /* not a Maildir: do not create one by accident */
    rc = md_path(tmp, sizeof tmp, dir, "tmp", name);
    if (!rc)
        rc = md_path(dst, sizeof dst, dir, "new", name);
    if (rc)
        return rc;
    rc = maildrop_file_write(tmp, data, len, true);
    if (rc)
        return rc;
    rc = plat_rename(tmp, dst);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    rc = afile_sync_dir(dst);
    if (rc) {
        unlink(dst);
        return rc;
    }
    if (name_out && name_cap && strlen(name) < name_cap)
        memcpy(name_out, name, strlen(name) + 1);
    return 0;
}
