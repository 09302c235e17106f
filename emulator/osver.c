#include "emulator/osver.h"
#include "src/lib/str.h"
#include <stddef.h>

static const struct {
    const char *alias;
    enum osver v;
} aliases[] = {
    {"nt4", OSVER_NT4},     {"nt4.0", OSVER_NT4}, {"nt40", OSVER_NT4},
    {"w2k", OSVER_W2K},     {"2000", OSVER_W2K},  {"win2k", OSVER_W2K},
    {"xp", OSVER_XP},
};

bool osver_parse(const char *s, enum osver *out)
{
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (str_ieq(s, aliases[i].alias)) {
            *out = aliases[i].v;
            return true;
        }
    }
    return false;
}

const char *osver_name(enum osver v)
{
    switch (v) {
    case OSVER_NT4:
        return "nt4";
    case OSVER_W2K:
        return "w2k";
    case OSVER_XP:
        return "xp";
    }
    return "unknown";
}

const char *osver_display(enum osver v)
{
    switch (v) {
    case OSVER_NT4:
        return "Windows NT 4.0";
    case OSVER_W2K:
        return "Windows 2000";
    case OSVER_XP:
        return "Windows XP";
    }
    return "unknown";
}
