/* The Exchange store's own settings file, exchange.conf, and the move of a
 * legacy "persona =" line out of machine.conf (format in exchange.h). */
#include "src/exchange/exchange.h"
#include "src/exchange/credcache.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/kvfile.h"
#include "src/lib/str.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define SETTINGS_MAX (64u << 10)
#define SETTINGS_LINE_MAX 1024
#define LEGACY_KEY "persona" /* machine.conf's key before exchange.conf */

static const struct kvfile_syntax settings_syntax = {
    .comments = "#;",
    .raw = true,
    .line_max = SETTINGS_LINE_MAX,
    .no_equals = "expected key = value",
};

bool exchange_persona_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > EXCHANGE_PERSONA_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static int settings_path(const struct machine *m, const char *file, char *out, size_t n)
{
    if (!machine_dir(m)[0])
        return EINVAL;
    int k = snprintf(out, n, "%s/%s", machine_dir(m), file);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

/* What exchange.conf holds: the persona ("" when none is named) and the
 * credentials cache's settings (the article's defaults when absent). */
struct settings {
    char persona[EXCHANGE_PERSONA_MAX + 1];
    struct credcache_settings cache;
};

/* Writes s to path durably; the cache keys only when they differ from the
 * defaults, so a file with none keeps reading as the article's defaults. */
static int write_settings(const char *path, const struct settings *s)
{
    struct credcache_settings d;
    credcache_defaults(&d);
    struct buf b = BUF_INIT;
    int rc = buf_printf(&b, "# the Exchange store's settings (format: src/exchange/exchange.h)\n");
    if (!rc && s->persona[0])
        rc = buf_printf(&b, "persona = %s\n", s->persona);
    if (!rc && s->cache.age_limit_min != d.age_limit_min)
        rc = buf_printf(&b, "%s = %u\n", CREDCACHE_KEY_AGE, (unsigned)s->cache.age_limit_min);
    if (!rc && s->cache.idle_limit_min != d.idle_limit_min)
        rc = buf_printf(&b, "%s = %u\n", CREDCACHE_KEY_IDLE, (unsigned)s->cache.idle_limit_min);
    if (!rc && s->cache.size != d.size)
        rc = buf_printf(&b, "%s = %u\n", CREDCACHE_KEY_SIZE, (unsigned)s->cache.size);
    if (!rc)
        rc = afile_write(path, b.p, b.len, 0644);
    buf_free(&b);
    return rc;
}

/* A decimal number 0..max with nothing after it. */
static bool parse_bounded(const char *v, uint32_t max, uint32_t *out)
{
    if (!v[0] || strlen(v) > 10)
        return false;
    unsigned long long n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (unsigned)(*p - '0');
    }
    if (n > max)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* One "key = value" of exchange.conf into s; seen: bit per key given. */
static int settings_item(struct kvfile *kf, const struct kvfile_item *it, struct settings *s,
                         unsigned *seen)
{
    static const char *const keys[] = {"persona", CREDCACHE_KEY_AGE, CREDCACHE_KEY_IDLE,
                                       CREDCACHE_KEY_SIZE};
    uint32_t *const nums[] = {NULL, &s->cache.age_limit_min, &s->cache.idle_limit_min,
                              &s->cache.size};
    const uint32_t max[] = {0, CREDCACHE_MINUTES_MAX, CREDCACHE_MINUTES_MAX, CREDCACHE_SIZE_MAX};
    for (unsigned k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (!str_ieq(it->key, keys[k]))
            continue;
        if (*seen & 1u << k)
            return kvfile_fail(kf, it->line, "%s given twice", keys[k]);
        *seen |= 1u << k;
        if (k == 0) {
            if (!exchange_persona_name_valid(it->value))
                return kvfile_fail(kf, it->line, "bad persona name");
            str_copy(s->persona, sizeof s->persona, it->value);
        } else if (!parse_bounded(it->value, max[k], nums[k])) {
            return kvfile_fail(kf, it->line, "%s: expected a number from 0 to %u", keys[k],
                               (unsigned)max[k]);
        }
        return 0;
    }
    return kvfile_fail(kf, it->line, "unknown key \"%.32s\"", it->key);
}

/* Reads exchange.conf into s (defaults without the file or a key). */
static int read_settings(const char *path, struct settings *s, char *err, size_t errlen)
{
    struct kvfile kf;
    memset(s, 0, sizeof *s);
    credcache_defaults(&s->cache);
    int rc = kvfile_open(&kf, path, SETTINGS_MAX, &settings_syntax, err, errlen);
    if (rc == ENOENT) {
        if (err && errlen)
            err[0] = 0;
        kvfile_close(&kf);
        return 0;
    }
    unsigned seen = 0;
    struct kvfile_item it;
    while (!rc && !(rc = kvfile_next(&kf, &it)) && it.kind != KVFILE_END)
        rc = settings_item(&kf, &it, s, &seen);
    kvfile_close(&kf);
    return rc;
}

/* The settings now on disk, or the defaults when the file cannot be read:
 * a setter then writes a good file over a bad one, as before the cache. */
static void current_settings(const char *path, struct settings *s)
{
    char err[256];
    if (read_settings(path, s, err, sizeof err)) {
        memset(s, 0, sizeof *s);
        credcache_defaults(&s->cache);
    }
}

int exchange_set_persona(struct machine *m, const char *name)
{
    char path[PATH_MAX];
    if (!exchange_persona_name_valid(name) || settings_path(m, EXCHANGE_CONF_FILE, path, sizeof path))
        return EINVAL;
    struct settings s;
    current_settings(path, &s);
    str_copy(s.persona, sizeof s.persona, name);
    return write_settings(path, &s);
}

int exchange_set_credcache(struct machine *m, const struct credcache_settings *cs)
{
    char path[PATH_MAX];
    if (!credcache_settings_valid(cs) || settings_path(m, EXCHANGE_CONF_FILE, path, sizeof path))
        return EINVAL;
    struct settings s;
    current_settings(path, &s);
    s.cache = *cs;
    return write_settings(path, &s);
}

int exchange_settings_credcache(struct machine *m, struct credcache_settings *out, char *err,
                                size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    credcache_defaults(out);
    char path[PATH_MAX];
    if (!machine_dir(m)[0])
        return 0; /* in memory: no settings, the defaults */
    int rc = settings_path(m, EXCHANGE_CONF_FILE, path, sizeof path);
    struct settings s;
    if (!rc && !(rc = read_settings(path, &s, err, errlen)))
        *out = s.cache;
    return rc;
}

/* A lab of an older ntlab: its machine.conf names the persona. Moves it to
 * exchange.conf; the value counts whether or not the move succeeds. */
static int migrate_legacy(struct machine *m, const char *legacy, char *out, size_t n, char *err,
                          size_t errlen)
{
    if (!exchange_persona_name_valid(legacy) || strlen(legacy) >= n) {
        snprintf(err, errlen, "%s/machine.conf: bad persona name", machine_dir(m));
        return EINVAL;
    }
    str_copy(out, n, legacy);
    if (exchange_set_persona(m, out) == 0)
        (void)machine_setting_remove(m, LEGACY_KEY); /* kept on failure: tried again */
    return 0;
}

int exchange_settings_persona(struct machine *m, char *out, size_t n, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!n)
        return EINVAL;
    out[0] = 0;
    char path[PATH_MAX];
    if (!machine_dir(m)[0])
        return 0; /* in memory: no settings, the default persona */
    const char *legacy = machine_setting(m, LEGACY_KEY);
    if (legacy)
        return migrate_legacy(m, legacy, out, n, err, errlen);
    int rc = settings_path(m, EXCHANGE_CONF_FILE, path, sizeof path);
    struct settings s;
    if (rc || (rc = read_settings(path, &s, err, errlen)))
        return rc;
    if (strlen(s.persona) >= n)
        return EINVAL;
    str_copy(out, n, s.persona);
    return 0;
}
