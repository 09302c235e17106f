/* The persona's event table (persona.h, persona_event.c): the default
 * rows, Exchange 5.0 against 5.5, inheritance, win32.CODE rows, "none",
 * and the load errors. */
#include "src/pop3/persona.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BASE "persona 1\ninherit exchange-5.0.1457.10\n"

static int parse(const char *text, struct persona **p, char *err, size_t n)
{
    return persona_parse("t", text, strlen(text), NULL, p, err, n);
}

static const char *const ins[PERSONA_EVENT_INSERTS] = {
    "CORP\\alice", "10.0.0.7", "alice", "LogonUser", "1326",
    "Logon failure: unknown user name or bad password.", "USER"};

static void test_persona_event_default_is_1010(void)
{
    struct persona *p;
    char err[256], text[512];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("exchange-5.0.1457.10", &p, err, sizeof err), 0);
    const struct persona_event_row *r = persona_event(p, PERSONA_EVENT_WIN32, 1326);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->source, "MSExchangePOP3");
    CU_ASSERT_EQUAL(r->id, 1010);
    CU_ASSERT_EQUAL(r->type, PERSONA_EVT_AUDIT_FAILURE);
    CU_ASSERT_EQUAL(r->category, 0);
    CU_ASSERT_EQUAL(persona_event_text(r, ins, text, sizeof text), 0);
    CU_ASSERT_STRING_EQUAL(text, "POP3 logon failure. Mechanism: USER. Account: CORP\\alice. "
                                 "Mailbox: alice. Error 1326: Logon failure: unknown user name "
                                 "or bad password.");
    CU_ASSERT_PTR_NOT_NULL(persona_event(p, PERSONA_EVENT_NO_MAILBOX, 0));
    CU_ASSERT_PTR_NOT_NULL(persona_event(p, PERSONA_EVENT_STORE_START, 0));
    CU_ASSERT_PTR_NULL(persona_event(p, PERSONA_EVENT_IN_USE, 32));      /* none */
    CU_ASSERT_PTR_NULL(persona_event(p, PERSONA_EVENT_SYSTEM_ERROR, 0)); /* none */
    persona_free(p);
    /* a persona that inherits nothing has the default table too */
    CU_ASSERT_EQUAL_FATAL(persona_builtin("rfc1939", &p, err, sizeof err), 0);
    r = persona_event(p, PERSONA_EVENT_WIN32, 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->id, 1010);
    persona_free(p);
}

static void test_persona_event_55_differs(void)
{
    struct persona *p;
    char err[256], text[512];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("exchange-5.5", &p, err, sizeof err), 0);
    const struct persona_event_row *r = persona_event(p, PERSONA_EVENT_WIN32, 1326);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->source, "MSExchangeIS");
    CU_ASSERT_EQUAL(r->category, 3);
    CU_ASSERT_EQUAL(persona_event_text(r, ins, text, sizeof text), 0);
    CU_ASSERT_STRING_EQUAL(text, "POP3 logon of user CORP\\alice from 10.0.0.7 to mailbox alice "
                                 "failed. LogonUser returned error 1326: Logon failure: unknown "
                                 "user name or bad password.");
    CU_ASSERT_PTR_NOT_NULL(persona_event(p, PERSONA_EVENT_IN_USE, 32));
    persona_free(p);
    /* q189732 inherits 5.0's table */
    CU_ASSERT_EQUAL_FATAL(persona_builtin("q189732", &p, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(persona_event(p, PERSONA_EVENT_WIN32, 1314)->source, "MSExchangePOP3");
    persona_free(p);
}

static void test_persona_event_override(void)
{
    struct persona *p;
    char err[256] = "", text[256];
    int rc = parse(BASE "event win32 Site 7 error 12 logon %1 failed: %6\n"
                        "event win32.1314 Site 8 warning 0 no right: %5 (%4)\n"
                        "event no-mailbox none\n"
                        "event in-use Site 9 information 65535 busy %3 100%% %x\n",
                   &p, err, sizeof err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    const struct persona_event_row *r = persona_event(p, PERSONA_EVENT_WIN32, 1326);
    CU_ASSERT_STRING_EQUAL(r->source, "Site");
    CU_ASSERT_EQUAL(r->id, 7);
    CU_ASSERT_EQUAL(r->type, PERSONA_EVT_ERROR);
    CU_ASSERT_EQUAL(r->category, 12);
    r = persona_event(p, PERSONA_EVENT_WIN32, 1314);
    CU_ASSERT_EQUAL(r->id, 8);
    CU_ASSERT_EQUAL(persona_event_text(r, ins, text, sizeof text), 0);
    CU_ASSERT_STRING_EQUAL(text, "no right: 1326 (LogonUser)");
    CU_ASSERT_PTR_NULL(persona_event(p, PERSONA_EVENT_NO_MAILBOX, 0));
    r = persona_event(p, PERSONA_EVENT_IN_USE, 32);
    CU_ASSERT_EQUAL(persona_event_text(r, ins, text, sizeof text), 0);
    CU_ASSERT_STRING_EQUAL(text, "busy alice 100% %x");
    /* untouched rows keep the inherited ones */
    CU_ASSERT_EQUAL(persona_event(p, PERSONA_EVENT_ACCESS_DENIED, 5)->id, 1010);
    persona_free(p);
    /* a missing insert shows as written */
    CU_ASSERT_EQUAL_FATAL(parse(BASE "event win32 S 1 error 0 from %2\n", &p, err, sizeof err), 0);
    const char *const none[PERSONA_EVENT_INSERTS] = {0};
    CU_ASSERT_EQUAL(persona_event_text(persona_event(p, PERSONA_EVENT_WIN32, 1), none, text,
                                       sizeof text), 0);
    CU_ASSERT_STRING_EQUAL(text, "from %2");
    persona_free(p);
}

static void test_persona_event_errors(void)
{
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"event bogus S 1 error 0 x", "unknown outcome 'bogus'"},
        {"event win32 S 1 fatal 0 x", "expected a type"},
        {"event win32 S 65536 error 0 x", "event ID 0-65535"},
        {"event win32 S 1 error 70000 x", "category 0-65535"},
        {"event win32 S 1 error 0 %8", "%1..%7"},
        {"event win32 S 1 error 0 a %0", "%0"},
        {"event win32 S 1 error 0", "empty description"},
        {"event win32 S 1 error 0 ", "empty description"},
        {"event win32", "SOURCE"},
        {"event", "outcome name"},
        {"event win32.x S 1 error 0 t", "win32.<decimal"},
        {"event win32 0123456789012345678901234567890123456789012345678901234567890123 1 "
         "error 0 t", "SOURCE"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], err[256] = "";
        struct persona *p = (struct persona *)1;
        snprintf(text, sizeof text, BASE "%s\n", bad[i].line);
        CU_ASSERT_EQUAL(parse(text, &p, err, sizeof err), EINVAL);
        CU_ASSERT_PTR_NULL(p);
        if (!strstr(err, bad[i].why) || strncmp(err, "t:3: ", 5) != 0)
            fprintf(stderr, "\n  '%s' -> '%s'\n", bad[i].line, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].why));
        CU_ASSERT_EQUAL(strncmp(err, "t:3: ", 5), 0);
    }
    struct persona *p;
    char err[256] = "";
    CU_ASSERT_EQUAL(parse(BASE "event win32 none\nevent win32 none\n", &p, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
    CU_ASSERT_EQUAL(parse(BASE "event win32.5 none\nevent win32.5 none\n", &p, err, sizeof err),
                    EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
    /* the table holds PERSONA_EVENT_W32_MAX codes */
    char many[8192];
    size_t n = (size_t)snprintf(many, sizeof many, BASE);
    for (unsigned i = 0; i <= PERSONA_EVENT_W32_MAX; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "event win32.%u S %u error 0 t\n", i, i);
    CU_ASSERT_EQUAL(parse(many, &p, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than"));
}

void suite_persona_event(void)
{
    UNIT_SUITE("persona_event", UNIT_TEST(test_persona_event_default_is_1010),
               UNIT_TEST(test_persona_event_55_differs), UNIT_TEST(test_persona_event_override),
               UNIT_TEST(test_persona_event_errors));
}
