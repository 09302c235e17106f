/* The Exchange store's own settings file, exchange.conf, and the move of a
 * legacy "persona =" line out of machine.conf (format in exchange.h). */
#include "src/exchange/exchange.h"
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

int exchange_set_persona(struct machine *m, const char *name)
{
    char path[PATH_MAX];
    if (!exchange_persona_name_valid(name) || settings_path(m, EXCHANGE_CONF_FILE, path, sizeof path))
        return EINVAL;
    struct buf b = BUF_INIT;
    int rc = buf_printf(&b,
                        "# the Exchange store's settings (format: src/exchange/exchange.h)\n"
                        "persona = %s\n",
                        name);
    if (!rc)
        rc = afile_write(path, b.p, b.len, 0644);
    buf_free(&b);
    return rc;
}

/* Reads exchange.conf's persona into out ("" without the file or the key). */
static int read_settings(const char *path, char *out, size_t n, char *err, size_t errlen)
{
    struct kvfile kf;
    out[0] = 0;
    int rc = kvfile_open(&kf, path, SETTINGS_MAX, &settings_syntax, err, errlen);
    if (rc == ENOENT) {
        if (err && errlen)
            err[0] = 0;
        kvfile_close(&kf);
        return 0;
    }
    bool seen = false;
    struct kvfile_item it;
    while (!rc && !(rc = kvfile_next(&kf, &it)) && it.kind != KVFILE_END) {
        if (!str_ieq(it.key, "persona"))
            rc = kvfile_fail(&kf, it.line, "unknown key \"%.32s\"", it.key);
        else if (seen)
            rc = kvfile_fail(&kf, it.line, "persona given twice");
        else if (!exchange_persona_name_valid(it.value) || strlen(it.value) >= n)
            rc = kvfile_fail(&kf, it.line, "bad persona name");
        else
            str_copy(out, n, it.value);
        seen = true;
    }
    kvfile_close(&kf);
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
    return rc ? rc : read_settings(path, out, n, err, errlen);
}
