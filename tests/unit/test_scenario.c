/* The scenario runner's parts: parser (errors with FILE:LINE, includes and
 * their loops, bounds), matcher ({{regex}} escapes), transcripts and diff,
 * reports (XML escaping, TAP, JUnit), the worker pool's wire form and
 * crash handling, the recorder's escapes, and runner paths over TCP
 * against a scripted peer. */
#include "src/lib/afile.h"
#include "src/scenario/diff.h"
#include "src/scenario/mask.h"
#include "src/scenario/match.h"
#include "src/scenario/pool.h"
#include "src/scenario/record.h"
#include "src/scenario/report.h"
#include "src/scenario/scenario.h"
#include "src/scenario/tcp.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- helpers ----------------------------------------------------------------- */

static char errbuf[1024];

static struct scn *parse(const char *text)
{
    struct scn *s = NULL;
    errbuf[0] = 0;
    int rc = scn_parse_text("t.scn", text, strlen(text), NULL, &s, errbuf, sizeof errbuf);
    if (rc)
        return NULL;
    return s;
}

/* Parses text expecting failure; returns the error message. */
static const char *parse_err(const char *text)
{
    struct scn *s = NULL;
    errbuf[0] = 0;
    int rc = scn_parse_text("t.scn", text, strlen(text), NULL, &s, errbuf, sizeof errbuf);
    CU_ASSERT_NOT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NULL(s);
    scn_free(s);
    return errbuf;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    CU_ASSERT_EQUAL(afile_write(p, text, strlen(text), 0644), 0);
}

/* --- parser -------------------------------------------------------------------- */

static void test_parse_basic(void)
{
    struct scn *s = parse("# a comment\n"
                          "title  The title  \n"
                          "reproduces KB Q189732\n"
                          "tags a, b c\n"
                          "ntlab user add alice --password \"P w\" --machine CORPDC\n"
                          "exit 1\n"
                          "has user{{.*}}\n"
                          "begin\n"
                          "open s1 \\\\EXCHSRV\n"
                          "  s1 < +OK ready\r\n"
                          "s1 > USER a\\b\n"
                          "s1 >lf PASS x \n"
                          "s1 <lf +OK\n"
                          "s1 closed\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s->title, "The title");
    CU_ASSERT_STRING_EQUAL(s->reproduces, "KB Q189732");
    CU_ASSERT_EQUAL(s->ntags, 3);
    CU_ASSERT(scn_has_tag(s, "B"));
    CU_ASSERT(!scn_has_tag(s, "d"));
    CU_ASSERT_EQUAL_FATAL(s->nsteps, 8);
    const struct scn_step *st = &s->steps[0];
    CU_ASSERT_EQUAL(st->op, SCN_OP_NTLAB);
    CU_ASSERT(st->setup);
    CU_ASSERT_EQUAL_FATAL(st->argc, 7);
    CU_ASSERT_STRING_EQUAL(st->argv[0], "user");
    CU_ASSERT_STRING_EQUAL(st->argv[4], "P w");
    CU_ASSERT_EQUAL(st->exit_code, 1);
    CU_ASSERT_EQUAL(st->nchecks, 1);
    CU_ASSERT_EQUAL(st->checks[0].loc.line, 7);
    CU_ASSERT_EQUAL(s->steps[1].op, SCN_OP_BEGIN);
    CU_ASSERT_EQUAL(s->steps[2].op, SCN_OP_OPEN);
    CU_ASSERT(!s->steps[2].setup);
    CU_ASSERT_STRING_EQUAL(s->steps[2].machine, "EXCHSRV");
    st = &s->steps[3];
    CU_ASSERT_EQUAL(st->op, SCN_OP_EXPECT);
    CU_ASSERT_EQUAL(st->loc.line, 10);
    CU_ASSERT_STRING_EQUAL(st->pat.text, "+OK ready"); /* CRLF file line: CR dropped */
    st = &s->steps[4];
    CU_ASSERT_EQUAL(st->op, SCN_OP_SEND);
    CU_ASSERT_EQUAL(st->len, 10);
    CU_ASSERT(memcmp(st->data, "USER a\\b\r\n", 10) == 0);
    st = &s->steps[5];
    CU_ASSERT_EQUAL(st->len, 8); /* the trailing space is part of the line */
    CU_ASSERT(memcmp(st->data, "PASS x \n", 8) == 0);
    CU_ASSERT(s->steps[6].bare_lf);
    CU_ASSERT_EQUAL(s->steps[7].op, SCN_OP_CLOSED);
    CU_ASSERT_EQUAL(s->admin_steps, 1);
    CU_ASSERT_EQUAL(s->admin_steps_after_begin, 0);
    scn_free(s);
}

static void test_parse_words(void)
{
    struct scn *s = parse("ntlab ntrights +r SeTcbPrivilege -u CORP\\EXCHSVC -m \\\\EXCHSRV "
                          "--display=\"A \\\"B\\\" C\" 'x\\y' a\"b c\"d\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const struct scn_step *st = &s->steps[0];
    CU_ASSERT_EQUAL_FATAL(st->argc, 10);
    CU_ASSERT_STRING_EQUAL(st->argv[4], "CORP\\EXCHSVC");
    CU_ASSERT_STRING_EQUAL(st->argv[6], "\\\\EXCHSRV");
    CU_ASSERT_STRING_EQUAL(st->argv[7], "--display=A \"B\" C");
    CU_ASSERT_STRING_EQUAL(st->argv[8], "x\\y");
    CU_ASSERT_STRING_EQUAL(st->argv[9], "ab cd");
    CU_ASSERT_PTR_NULL(st->argv[10]);
    scn_free(s);
}

static void test_parse_heredocs(void)
{
    struct scn *s = parse("ntlab mail deliver alice - --machine X <<MSG\n"
                          "Subject: hi\n"
                          "\n"
                          "  MSGx\n"
                          "  MSG\n"
                          "open s\n"
                          "s <<END\n"
                          "+OK 2 messages\n"
                          "1 {{[0-9]+}}\n"
                          ".\n"
                          "END\n"
                          "s closed\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const struct scn_step *st = &s->steps[0];
    CU_ASSERT_EQUAL(st->argc, 6);
    CU_ASSERT_EQUAL(st->heredoc_arg, 3);
    CU_ASSERT_STRING_EQUAL(st->heredoc, "Subject: hi\n\n  MSGx\n");
    CU_ASSERT_EQUAL_FATAL(s->nsteps, 6);
    CU_ASSERT_EQUAL(s->steps[2].op, SCN_OP_EXPECT);
    CU_ASSERT_EQUAL(s->steps[2].loc.line, 8);
    CU_ASSERT_STRING_EQUAL(s->steps[3].pat.text, "1 {{[0-9]+}}");
    CU_ASSERT(s->steps[3].pat.has_re);
    CU_ASSERT_EQUAL(s->steps[4].loc.line, 10);
    CU_ASSERT_EQUAL(s->steps[5].op, SCN_OP_CLOSED);
    scn_free(s);
}

static void test_parse_errors(void)
{
    CU_ASSERT_STRING_EQUAL(parse_err("title x\nfrobnicate now\n"),
                           "t.scn:2: unknown directive 'frobnicate' (a session line is NAME > "
                           "TEXT, NAME < TEXT, NAME <<TAG or NAME closed)");
    CU_ASSERT_STRING_EQUAL(parse_err("\n\ns1 > USER a\n"),
                           "t.scn:3: session 's1' is not open here (open s1 first)");
    CU_ASSERT_STRING_EQUAL(parse_err("open s1\ns1 >USER\n"),
                           "t.scn:2: unknown session operation '>USER' (>, >lf, <, <lf, <<TAG, closed)");
    CU_ASSERT_STRING_EQUAL(parse_err("open s1\ns1 >\tUSER\n"),
                           "t.scn:2: unknown session operation '>\tUSER' (>, >lf, <, <lf, <<TAG, closed)");
    CU_ASSERT_STRING_EQUAL(parse_err("out x\n"), "t.scn:1: 'out' must follow an ntlab step");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab boot\nopen s\nhas x\n"),
                           "t.scn:3: 'has' must follow an ntlab step");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab boot\nexit 256\n"),
                           "t.scn:2: bad exit code '256' (0-255)");
    CU_ASSERT_STRING_EQUAL(parse_err("title a\ntitle b\n"), "t.scn:2: a second 'title'");
    CU_ASSERT_STRING_EQUAL(parse_err("title\n"), "t.scn:1: 'title' needs a text");
    CU_ASSERT_STRING_EQUAL(parse_err("tags ok bad/tag\n"),
                           "t.scn:1: bad tag 'bad/tag' (letters, digits, _ - .)");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab user add \"alice\n"),
                           "t.scn:1: unterminated \" in ntlab arguments");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab mail deliver a x <<M\nbody\n"),
                           "t.scn:1: a here-doc needs a '-' argument to stand for");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab mail deliver a - <<M\nbody\n"),
                           "t.scn:1: here-doc <<M has no closing M line");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab mail deliver - - <<M\nM\n"),
                           "t.scn:1: a here-doc stands for one '-' argument, and this step has "
                           "several");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab\n"), "t.scn:1: ntlab step without a command");
    CU_ASSERT_STRING_EQUAL(parse_err("ntlab --machine X boot\n"),
                           "t.scn:1: ntlab step: the command comes first (then --machine M)");
    CU_ASSERT_STRING_EQUAL(parse_err("open s1\nopen s1\n"), "t.scn:2: session 's1' is already open");
    CU_ASSERT_STRING_EQUAL(parse_err("open open\n"),
                           "t.scn:1: bad session name 'open' (a letter, then letters, digits, _ - "
                           ".; not a directive)");
    CU_ASSERT_STRING_EQUAL(parse_err("open s1 M x\n"), "t.scn:1: usage: open NAME [MACHINE]");
    /* issue 18: an SMTP session opens like a POP3 one */
    CU_ASSERT_STRING_EQUAL(parse_err("smtp s1 M x\n"), "t.scn:1: usage: smtp NAME [MACHINE]");
    CU_ASSERT_STRING_EQUAL(parse_err("smtp s1\nopen s1\n"), "t.scn:2: session 's1' is already open");
    CU_ASSERT_STRING_EQUAL(parse_err("open smtp\n"),
                           "t.scn:1: bad session name 'smtp' (a letter, then letters, digits, _ - "
                           ".; not a directive)");
    CU_ASSERT_STRING_EQUAL(parse_err("open s1 bad*name\n"), "t.scn:1: bad machine name 'bad*name'");
    CU_ASSERT_STRING_EQUAL(parse_err("close s1\n"), "t.scn:1: session 's1' is not open here");
    CU_ASSERT_STRING_EQUAL(parse_err("open s\ns closed now\n"),
                           "t.scn:2: nothing may follow 'closed'");
    CU_ASSERT_STRING_EQUAL(parse_err("open s\ns closed\ns > QUIT\n"),
                           "t.scn:3: session 's' is not open here (open s first)");
    CU_ASSERT_STRING_EQUAL(parse_err("timeout 0\n"),
                           "t.scn:1: bad timeout '0' (1s to 1h, e.g. 5s or 2m)");
    CU_ASSERT_STRING_EQUAL(parse_err("begin\nbegin\n"), "t.scn:2: a second 'begin'");
    CU_ASSERT_STRING_EQUAL(parse_err("open s\ns < a{{[}}\n"),
                           "t.scn:2: bad regular expression in {{...}}: Unmatched [, [^, [:, [., or [=");
    CU_ASSERT_STRING_EQUAL(parse_err("open s\ns < a{{b\n"),
                           "t.scn:2: unterminated {{ at byte 2 (a literal {{ is {{\\{\\{}})");
    CU_ASSERT_STRING_EQUAL(parse_err("open s\ns <<bad-tag\n"),
                           "t.scn:2: bad here-doc tag 'bad-tag' (letters, digits, _)");
    CU_ASSERT_STRING_EQUAL(parse_err("include\n"), "t.scn:1: include needs a path");
    CU_ASSERT_STRING_EQUAL(parse_err("\ninclude /nonexistent/x.inc\n"),
                           "t.scn:2: include /nonexistent/x.inc: No such file or directory");
}

static bool reject_up(const char *name)
{
    return strcmp(name, "up") != 0;
}

static void test_parse_command_ok(void)
{
    struct scn_parse_opts o = {reject_up, NULL, false};
    struct scn *s = NULL;
    const char *t = "ntlab boot\nntlab up\n";
    CU_ASSERT_EQUAL(scn_parse_text("c.scn", t, strlen(t), &o, &s, errbuf, sizeof errbuf), EINVAL);
    CU_ASSERT_STRING_EQUAL(errbuf, "c.scn:2: 'ntlab up' cannot be a scenario step");
    CU_ASSERT_PTR_NULL(s);
}

static void test_parse_bounds(void)
{
    /* A line over SCN_LINE_MAX. */
    size_t n = SCN_LINE_MAX + 20;
    char *t = malloc(n + 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    strcpy(t, "title ok\n# ");
    memset(t + 11, 'x', n);
    t[11 + n] = '\n';
    t[12 + n] = 0;
    CU_ASSERT_STRING_EQUAL(parse_err(t), "t.scn:2: line longer than 8192 bytes");
    free(t);

    /* A NUL byte names its line. */
    struct scn *s = NULL;
    const char nul[] = "title a\n\ntitle\0b\n";
    CU_ASSERT_EQUAL(scn_parse_text("n.scn", nul, sizeof nul - 1, NULL, &s, errbuf, sizeof errbuf),
                    EINVAL);
    CU_ASSERT_STRING_EQUAL(errbuf, "n.scn:3: NUL byte in the file");

    /* More than SCN_MAX_ARGS words. */
    char words[1024] = "ntlab x";
    for (int i = 0; i < SCN_MAX_ARGS; i++)
        strcat(words, " w");
    strcat(words, "\n");
    CU_ASSERT_STRING_EQUAL(parse_err(words), "t.scn:1: more than 64 words in an ntlab step");

    /* More than SCN_MAX_SESSIONS open at once. */
    char opens[2048] = "";
    for (int i = 0; i <= SCN_MAX_SESSIONS; i++) {
        char l[32];
        snprintf(l, sizeof l, "open s%d\n", i);
        strcat(opens, l);
    }
    CU_ASSERT_STRING_EQUAL(parse_err(opens), "t.scn:33: more than 32 sessions open at once");

    /* A file over SCN_FILE_MAX. */
    size_t big = SCN_FILE_MAX + 1;
    char *b = malloc(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    memset(b, '\n', big);
    CU_ASSERT_EQUAL(scn_parse_text("big.scn", b, big, NULL, &s, errbuf, sizeof errbuf), EFBIG);
    CU_ASSERT_STRING_EQUAL(errbuf, "big.scn: file larger than 1048576 bytes");
    free(b);
}

static void test_parse_includes(void)
{
    const char *d = unit_tmpdir();
    char dir[256];
    snprintf(dir, sizeof dir, "%s", d);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/lib", dir);
    CU_ASSERT_EQUAL(afile_mkdirs(sub, 0755), 0);
    write_file(dir, "main.scn", "title main\ninclude lib/a.inc\nbegin\nntlab boot\n");
    write_file(dir, "lib/a.inc", "# a\ntags from-a\ninclude b.inc\nntlab machine list\n");
    write_file(dir, "lib/b.inc", "ntlab clock show\nhas x\n");
    char path[512];
    snprintf(path, sizeof path, "%s/main.scn", dir);
    struct scn *s = NULL;
    CU_ASSERT_EQUAL_FATAL(scn_parse_file(path, NULL, &s, errbuf, sizeof errbuf), 0);
    CU_ASSERT_EQUAL_FATAL(s->nsteps, 4);
    CU_ASSERT_STRING_EQUAL(s->steps[0].argv[0], "clock");
    CU_ASSERT_EQUAL(s->steps[0].loc.line, 1);
    CU_ASSERT(strstr(s->steps[0].loc.file, "lib/b.inc") != NULL);
    CU_ASSERT_EQUAL(s->steps[0].checks[0].loc.line, 2);
    CU_ASSERT_STRING_EQUAL(s->steps[1].argv[0], "machine");
    CU_ASSERT(strstr(s->steps[1].loc.file, "lib/a.inc") != NULL);
    CU_ASSERT_EQUAL(s->steps[1].loc.line, 4);
    CU_ASSERT(s->steps[1].setup);
    CU_ASSERT(!s->steps[3].setup);
    CU_ASSERT(scn_has_tag(s, "from-a"));
    CU_ASSERT_EQUAL(s->nfiles, 3);
    scn_free(s);

    /* A loop through two files: reported where it closes. */
    write_file(dir, "lib/b.inc", "\n\ninclude a.inc\n");
    CU_ASSERT_EQUAL(scn_parse_file(path, NULL, &s, errbuf, sizeof errbuf), EINVAL);
    CU_ASSERT_PTR_NULL(s);
    char want[1200];
    /* (the path as written: lib/b.inc's directory + a.inc) */
    snprintf(want, sizeof want, "%.256s/lib/b.inc:3: include loop: %.256s/lib/a.inc is already "
                                "being read (2 levels up)", dir, dir);
    CU_ASSERT_STRING_EQUAL(errbuf, want);

    /* A file that includes itself. */
    write_file(dir, "self.scn", "include self.scn\n");
    snprintf(path, sizeof path, "%s/self.scn", dir);
    CU_ASSERT_EQUAL(scn_parse_file(path, NULL, &s, errbuf, sizeof errbuf), EINVAL);
    CU_ASSERT(strstr(errbuf, "self.scn:1: include loop:") != NULL);

    /* Nesting deeper than SCN_INCLUDE_DEPTH (a chain of distinct files). */
    for (int i = 0; i < SCN_INCLUDE_DEPTH + 2; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.inc", i);
        snprintf(text, sizeof text, "include d%d.inc\n", i + 1);
        write_file(dir, name, text);
    }
    snprintf(path, sizeof path, "%s/d0.inc", dir);
    CU_ASSERT_EQUAL(scn_parse_file(path, NULL, &s, errbuf, sizeof errbuf), EINVAL);
    CU_ASSERT(strstr(errbuf, "d15.inc:1: includes nested deeper than 16") != NULL);

    /* A missing scenario file. */
    snprintf(path, sizeof path, "%s/none.scn", dir);
    CU_ASSERT_EQUAL(scn_parse_file(path, NULL, &s, errbuf, sizeof errbuf), ENOENT);
    unit_rmtree(dir);
}

/* --- matcher --------------------------------------------------------------------- */

static bool m(const char *pat, const char *line)
{
    struct scn_pattern p;
    char err[256];
    if (scn_pattern_init(&p, pat, strlen(pat), err, sizeof err) != 0)
        return false;
    bool ok = scn_pattern_match(&p, line, strlen(line));
    scn_pattern_free(&p);
    return ok;
}

static void test_match(void)
{
    CU_ASSERT(m("+OK ready", "+OK ready"));
    CU_ASSERT(!m("+OK ready", "+OK ready "));  /* byte for byte: trailing space counts */
    CU_ASSERT(!m("+OK ready", "+OK readY"));
    CU_ASSERT(!m("+OK ready", "+OK read"));
    CU_ASSERT(m("", ""));
    CU_ASSERT(m("+OK {{[0-9]+}} messages ({{[0-9]+}} octets)", "+OK 12 messages (3456 octets)"));
    CU_ASSERT(!m("+OK {{[0-9]+}} messages", "+OK x messages"));
    CU_ASSERT(!m("+OK {{[0-9]+}}", "+OK 12 extra")); /* anchored at the end */
    CU_ASSERT(!m("{{[0-9]+}} x", "a 1 x"));          /* and at the start */
    CU_ASSERT(m("{{[0-9]{4}}}-x", "1998-x"));        /* a bound inside the escape */
    CU_ASSERT(!m("{{[0-9]{4}}}-x", "199-x"));
    CU_ASSERT(m("a.b*c {{x|y}}", "a.b*c y"));        /* specials outside escapes are literal */
    CU_ASSERT(!m("a.b*c {{x|y}}", "aXbbc y"));
    CU_ASSERT(m("a^$(|)?+[]\\ {{.}}", "a^$(|)?+[]\\ z"));
    CU_ASSERT(m("lit {{\\{\\{}} end", "lit {{ end"));
    CU_ASSERT(m("<{{[^>]*}}@host>", "<123.456@host>"));

    struct scn_pattern p;
    char err[256];
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "a{{", 3, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "unterminated {{ at byte 2 (a literal {{ is {{\\{\\{}})");
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "a{{}}b", 6, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "empty {{}} at byte 2");
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "{{(}}", 5, err, sizeof err), EINVAL);
    CU_ASSERT(strncmp(err, "bad regular expression in {{...}}: ", 35) == 0);
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "a\0b", 3, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "NUL byte in an expected line");
    char *long_pat = malloc(SCN_PATTERN_MAX + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(long_pat);
    memset(long_pat, 'a', SCN_PATTERN_MAX + 1);
    CU_ASSERT_EQUAL(scn_pattern_init(&p, long_pat, SCN_PATTERN_MAX + 1, err, sizeof err), EINVAL);
    free(long_pat);

    /* Exact patterns compare NULs as bytes; a line with a NUL never matches a regex. */
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "{{.*}}", 6, err, sizeof err), 0);
    CU_ASSERT(!scn_pattern_match(&p, "a\0b", 3));
    CU_ASSERT(scn_pattern_match(&p, "a b", 3));
    scn_pattern_free(&p);
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "ab", 2, err, sizeof err), 0);
    CU_ASSERT(!scn_pattern_match(&p, "a\0", 2));
    scn_pattern_free(&p);

    /* A long line through the regex path (heap copy). */
    CU_ASSERT_EQUAL(scn_pattern_init(&p, "x{{y*}}", 7, err, sizeof err), 0);
    char *line = malloc(5001);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    line[0] = 'x';
    memset(line + 1, 'y', 4999);
    CU_ASSERT(scn_pattern_match(&p, line, 5000));
    line[4000] = 'z';
    CU_ASSERT(!scn_pattern_match(&p, line, 5000));
    free(line);
    scn_pattern_free(&p);
}

/* --- transcripts and diff -------------------------------------------------------------- */

static void test_visible(void)
{
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(scn_visible(&b, "a\rb\tc\x01\x7f  ", 9, SCN_TL_BARE_LF), 0);
    CU_ASSERT_STRING_EQUAL(b.p, "a\\rb\\tc\\x01\\x7F\xC2\xB7\xC2\xB7\\n");
    buf_reset(&b);
    CU_ASSERT_EQUAL(scn_visible(&b, "+OK", 3, SCN_TL_NO_EOL), 0);
    CU_ASSERT_STRING_EQUAL(b.p, "+OK<EOF>");
    buf_reset(&b);
    CU_ASSERT_EQUAL(scn_visible(&b, "caf\xC3\xA9 x", 7, 0), 0);
    CU_ASSERT_STRING_EQUAL(b.p, "caf\xC3\xA9 x");
    buf_free(&b);
}

static void ts_lines(struct scn_transcript *t, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_EQUAL(scn_ts_add(t, v[i], strlen(v[i]), 0), 0);
}

static void test_diff(void)
{
    struct scn_transcript a = {0}, b = {0};
    const char *la[] = {"l1", "l2", "l3", "l4", "s1 < +OK ready", "l6", "l7", "l8", "l9", "l10"};
    const char *lb[] = {"l1", "l2", "l3", "l4", "s1 < +OK  ready", "l6", "l7", "l8", "l9", "l10"};
    ts_lines(&a, la, 10);
    ts_lines(&b, la, 10);
    struct buf out = BUF_INIT;
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "exp", "act", "", &out), 0);
    CU_ASSERT_EQUAL(out.len, 0); /* equal: nothing */
    scn_ts_free(&b);
    ts_lines(&b, lb, 10);
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "exp", "act", "> ", &out), 0);
    CU_ASSERT_STRING_EQUAL(out.p, "> --- exp\n"
                                  "> +++ act\n"
                                  "> @@ -2,7 +2,7 @@\n"
                                  ">  l2\n"
                                  ">  l3\n"
                                  ">  l4\n"
                                  "> -s1 < +OK ready\n"
                                  "> +s1 < +OK  ready\n"
                                  ">  l6\n"
                                  ">  l7\n"
                                  ">  l8\n"
                                  "> first difference at column 10: expected 'r' (0x72), got a "
                                  "space (0x20)\n"
                                  "> -s1 < +OK ready\n"
                                  "> +s1 < +OK  ready\n"
                                  ">           ^\n");
    buf_free(&out);

    /* An extra line at the end, and a missing one in the middle: two hunks. */
    scn_ts_free(&b);
    const char *lc[] = {"l1", "l2", "l3", "l4", "s1 < +OK ready", "l6", "l8", "l9", "l10", "x"};
    ts_lines(&b, lc, 10);
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "e", "a", "", &out), 0);
    CU_ASSERT_STRING_EQUAL(out.p, "--- e\n+++ a\n"
                                  "@@ -4,7 +4,7 @@\n l4\n s1 < +OK ready\n l6\n-l7\n l8\n l9\n l10\n+x\n");
    buf_free(&out);

    /* Line-end flags make lines differ, and the note says so. */
    scn_ts_free(&a);
    scn_ts_free(&b);
    scn_ts_add(&a, "+OK", 3, 0);
    scn_ts_add(&b, "+OK", 3, SCN_TL_BARE_LF);
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "-+OK\n++OK\\n\n") != NULL);
    CU_ASSERT(strstr(out.p, "the bytes agree; the line ends differ (CRLF expected, LF got)") != NULL);
    buf_free(&out);

    /* Empty expected transcript. */
    scn_ts_free(&a);
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "e", "a", "", &out), 0);
    CU_ASSERT_STRING_EQUAL(out.p, "--- e\n+++ a\n@@ -0,0 +1,1 @@\n++OK\\n\n");
    buf_free(&out);
    scn_ts_free(&b);

    /* Too different to search within the bound: one replaced block, in time. */
    for (int i = 0; i < 3000; i++) {
        scn_ts_addf(&a, "a%d", i);
        scn_ts_addf(&b, "b%d", i);
    }
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "@@ -1,3000 +1,3000 @@\n-a0\n") != NULL);
    CU_ASSERT(strstr(out.p, "-a2999\n+b0\n") != NULL);
    buf_free(&out);
    scn_ts_free(&a);
    scn_ts_free(&b);

    /* Long transcripts with a few changes stay exact. */
    for (int i = 0; i < 20000; i++) {
        scn_ts_addf(&a, "line %d", i);
        if (i != 5000 && i != 15000)
            scn_ts_addf(&b, "line %d", i);
        if (i == 10000)
            scn_ts_addf(&b, "inserted");
    }
    CU_ASSERT_EQUAL(scn_diff(&a, &b, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "@@ -4998,7 +4998,6 @@\n line 4997\n line 4998\n line 4999\n-line 5000\n") != NULL);
    CU_ASSERT(strstr(out.p, " line 10000\n+inserted\n line 10001\n") != NULL);
    CU_ASSERT(strstr(out.p, "-line 15000\n") != NULL);
    buf_free(&out);
    scn_ts_free(&a);
    scn_ts_free(&b);
}

/* --- reports ----------------------------------------------------------------------------- */

static void test_xml_escape(void)
{
    struct buf b = BUF_INIT;
    const char in[] = "<a href=\"x\">&'\x01\t\n\xC3\xA9\xFF\xC0\x80\xED\xA0\x80\xF0\x9F\x98\x80";
    CU_ASSERT_EQUAL(scn_xml_escape(&b, in, sizeof in - 1), 0);
    CU_ASSERT_STRING_EQUAL(b.p, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\x01\t\n\xC3\xA9\\xFF\\xC0"
                                "\\x80\\xED\\xA0\\x80\xF0\x9F\x98\x80");
    buf_free(&b);
}

static void test_reports(void)
{
    struct scn_result ok = {.status = SCN_PASS, .path = "a.scn", .title = "A & B", .seconds = 0.5};
    struct scn_result bad = {.status = SCN_FAIL, .path = "b.scn", .where = "b.scn:3",
                             .message = "s1: expected '<x>'", .diff = "--- e\n+++ a\n-x\n+y\n"};
    struct scn_result sk = {.status = SCN_SKIP, .path = "c#1.scn", .message = "needs admin"};
    const struct scn_result *v[3] = {&ok, &bad, &sk};
    struct buf x = BUF_INIT;
    CU_ASSERT_EQUAL(scn_report_junit(&x, v, 3, "suite"), 0);
    CU_ASSERT(strstr(x.p, "<testsuite name=\"suite\" tests=\"3\" failures=\"1\" errors=\"0\" "
                          "skipped=\"1\"") != NULL);
    CU_ASSERT(strstr(x.p, "name=\"a.scn: A &amp; B\" file=\"a.scn\" time=\"0.500000\"/>") != NULL);
    CU_ASSERT(strstr(x.p, "<failure type=\"mismatch\" message=\"b.scn:3: s1: expected "
                          "&apos;&lt;x&gt;&apos;\">b.scn:3: s1: expected &apos;&lt;x&gt;&apos;\n"
                          "--- e\n+++ a\n-x\n+y\n</failure>") != NULL);
    CU_ASSERT(strstr(x.p, "<skipped message=\"needs admin\"/>") != NULL);
    buf_free(&x);

    char *tap = NULL;
    size_t taplen = 0;
    FILE *f = open_memstream(&tap, &taplen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct scn_counts c = {0};
    scn_report_tap_begin(f, 3);
    for (size_t i = 0; i < 3; i++) {
        scn_report_tap(f, i + 1, v[i]);
        scn_counts_add(&c, v[i]);
    }
    scn_report_tap_end(f, &c);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(tap, "TAP version 13\n1..3\n"
                                "ok 1 - a.scn: A & B\n"
                                "not ok 2 - b.scn\n"
                                "  ---\n"
                                "  at: \"b.scn:3\"\n"
                                "  message: \"s1: expected '<x>'\"\n"
                                "  diff: |\n"
                                "    --- e\n    +++ a\n    -x\n    +y\n"
                                "  ...\n"
                                "ok 3 - c_1.scn # SKIP needs admin\n"
                                "# 1 passed, 1 failed, 1 skipped\n");
    free(tap);
    char line[64];
    struct scn_counts c2 = {.passed = 2, .failed = 0};
    scn_counts_line(&c2, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "2 passed, 0 failed");
}

/* --- pool ------------------------------------------------------------------------------------ */

static void test_wire(void)
{
    struct scn_result r = {.status = SCN_FAIL, .path = "p.scn", .where = "p.scn:1",
                           .message = "", .diff = "d\n\x01", .seconds = 0.25};
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(scn_result_serialize(&b, 7, &r), 0);
    struct scn_result q;
    size_t idx = 0;
    CU_ASSERT_EQUAL(scn_result_parse(b.p, b.len - 1, &idx, &q), 0); /* incomplete */
    CU_ASSERT_EQUAL(scn_result_parse(b.p, b.len, &idx, &q), b.len);
    CU_ASSERT_EQUAL(idx, 7);
    CU_ASSERT_EQUAL(q.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(q.path, "p.scn");
    CU_ASSERT_PTR_NULL(q.title);
    CU_ASSERT_STRING_EQUAL(q.message, "");
    CU_ASSERT_STRING_EQUAL(q.diff, "d\n\x01");
    CU_ASSERT(q.seconds > 0.2499 && q.seconds < 0.2501);
    scn_result_free(&q);
    b.p[4] ^= 1; /* bad magic */
    CU_ASSERT_EQUAL(scn_result_parse(b.p, b.len, &idx, &q), (size_t)-1);
    b.p[4] ^= 1;
    b.p[0] = (char)0xff; /* a length past the bound */
    b.p[3] = (char)0x7f;
    CU_ASSERT_EQUAL(scn_result_parse(b.p, b.len, &idx, &q), (size_t)-1);
    buf_free(&b);
}

struct pool_log {
    size_t next;
    bool in_order;
    size_t failed;
    bool crash_message;
};

static void pool_job(void *arg, size_t i, struct scn_result *r)
{
    (void)arg;
    if (i == 3)
        raise(SIGKILL); /* a worker dying mid-scenario */
    r->status = i % 2 ? SCN_PASS : SCN_SKIP;
    char buf[32];
    snprintf(buf, sizeof buf, "job %zu", i);
    r->message = strdup(buf);
}

static void pool_done(void *arg, size_t i, struct scn_result *r)
{
    struct pool_log *l = arg;
    if (i != l->next)
        l->in_order = false;
    l->next++;
    if (i == 3) {
        l->failed += r->status == SCN_FAIL;
        l->crash_message = r->message && strstr(r->message, "died of signal 9") != NULL;
    } else {
        char want[32];
        snprintf(want, sizeof want, "job %zu", i);
        if (!r->message || strcmp(r->message, want) != 0 ||
            r->status != (i % 2 ? SCN_PASS : SCN_SKIP))
            l->in_order = false;
    }
    scn_result_free(r);
}

static void test_pool(void)
{
    struct pool_log l = {.in_order = true};
    CU_ASSERT_EQUAL(scn_pool_run(20, 3, pool_job, NULL, pool_done, &l), 0);
    CU_ASSERT_EQUAL(l.next, 20);
    CU_ASSERT(l.in_order);
    CU_ASSERT_EQUAL(l.failed, 1);
    CU_ASSERT(l.crash_message);
}

/* --- recorder escapes ---------------------------------------------------------------------- */

static void test_record_line(void)
{
    struct buf b = BUF_INIT;
    const char greet[] = "+OK POP3 ready <1234.5678@host.example>";
    scn_record_line(&b, "s1", 1, greet, sizeof greet - 1, 0, 1);
    scn_record_line(&b, "s1", 1, greet, sizeof greet - 1, 0, 0); /* not a greeting: literal */
    scn_record_line(&b, "s1", 1, "a {{b}}", 7, 1, 0);
    scn_record_line(&b, "s1", 1, "x\r", 2, 0, 0);
    scn_record_line(&b, "s1", 1, "n\0l", 3, 0, 0);
    scn_record_line(&b, "s1", 0, "USER a\\b", 8, 0, 0);
    scn_record_line(&b, "s1", 0, "PASS {{x", 8, 1, 0);
    scn_record_line(&b, "s1", 0, "A\0B", 3, 0, 0);
    scn_record_line(&b, "s1", 1, "", 0, 0, 0);
    CU_ASSERT_STRING_EQUAL(b.p, "s1 < +OK POP3 ready {{<[^>]*>}}\n"
                                "s1 < +OK POP3 ready <1234.5678@host.example>\n"
                                "s1 <lf a {{\\{\\{}}b}}\n"
                                "s1 < x{{\r}}\n"
                                "s1 < n{{.}}l\n"
                                "s1 > USER a\\b\n"
                                "s1 >lf PASS {{x\n"
                                "# s1 sent a line holding a NUL byte (not replayable)\n"
                                "s1 <\n");
    /* What it wrote parses back, and the escapes match the original bytes. */
    char text[1024];
    snprintf(text, sizeof text, "open s1\n%s", b.p);
    struct scn *s = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT(scn_pattern_match(&s->steps[1].pat, greet, sizeof greet - 1));
    CU_ASSERT(scn_pattern_match(&s->steps[3].pat, "a {{b}}", 7));
    CU_ASSERT(scn_pattern_match(&s->steps[4].pat, "x\r", 2));
    CU_ASSERT(!scn_pattern_match(&s->steps[5].pat, "n\0l", 3));
    scn_free(s);
    buf_free(&b);
}

/* --- the runner over TCP, against a scripted peer -------------------------------------------- */

/* A one-connection server in a child process: sends greet, then answers each
 * line it reads with the next reply. A reply "" closes the connection at
 * once; after the last reply it keeps the connection open until killed. */
static pid_t peer(int lfd, const char *greet, const char *const *replies, size_t n)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int c = accept(lfd, NULL, NULL);
    if (c < 0)
        _exit(1);
    if (greet)
        scn_tcp_send_all(c, greet, strlen(greet));
    char buf[1024];
    size_t have = 0;
    for (size_t i = 0; i < n; i++) {
        if (!replies[i][0]) {
            close(c);
            _exit(0);
        }
        while (!memchr(buf, '\n', have)) {
            ssize_t k = recv(c, buf + have, sizeof buf - have, 0);
            if (k <= 0)
                _exit(0);
            have += (size_t)k;
        }
        char *nl = memchr(buf, '\n', have);
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, buf + used, have - used);
        have -= used;
        scn_tcp_send_all(c, replies[i], strlen(replies[i]));
    }
    for (;;)
        pause();
}

static void run_tcp(const char *text, const char *greet, const char *const *replies, size_t n,
                    struct scn_result *r)
{
    int lfd;
    char bound[128];
    CU_ASSERT_EQUAL_FATAL(scn_tcp_listen("127.0.0.1:0", &lfd, bound, sizeof bound), 0);
    pid_t pid = peer(lfd, greet, replies, n);
    struct scn *s = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    struct scn_run_opts o = {.target = bound, .want_actual = true};
    scn_run(s, &o, r);
    scn_free(s);
    close(lfd);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_run_tcp(void)
{
    struct scn_result r;
    /* A passing session: exact line, regex, multi-line reply, closed. */
    const char *const ok_replies[] = {"+OK\r\n", "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n",
                                      "+OK bye\r\n", ""};
    run_tcp("open s\n"
            "s < +OK POP3 {{<[^>]*>}}\n"
            "s > USER a\n"
            "s < +OK\n"
            "s > LIST\n"
            "s <<END\n"
            "+OK {{[0-9]+}} messages ({{[0-9]+}} octets)\n"
            "1 120\n"
            "2 200\n"
            ".\n"
            "END\n"
            "s > QUIT\n"
            "s < +OK bye\n"
            "s closed\n",
            "+OK POP3 <1.2@h>\r\n", ok_replies, 4, &r);
    CU_ASSERT_EQUAL(r.status, SCN_PASS);
    CU_ASSERT_PTR_NULL(r.diff);
    CU_ASSERT(r.actual && strstr(r.actual, "s < +OK POP3 <1.2@h>\n") != NULL);
    scn_result_free(&r);

    /* A wrong reply, an extra line, a bare LF, and a connection that stays open. */
    const char *const bad_replies[] = {"-ERR no\r\nextra\r\n", "+OK\n", "+OK\r\n"};
    run_tcp("timeout 1s\n"
            "open s\n"
            "s < +OK hi\n"
            "s > USER a\n"
            "s < +OK\n"
            "s > PASS b\n"
            "s < +OK\n"
            "s > NOOP\n"
            "s < +OK\n"
            "s closed\n",
            "+OK hi\r\n", bad_replies, 3, &r);
    CU_ASSERT_EQUAL(r.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(r.where, "t.scn:5");
    CU_ASSERT_STRING_EQUAL(r.message, "s: expected '+OK', got '-ERR no'");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.diff);
    CU_ASSERT(strstr(r.diff, "-s < +OK\n+s < -ERR no\n") != NULL);
    CU_ASSERT(strstr(r.diff, "+s < extra\n") != NULL);
    CU_ASSERT(strstr(r.diff, "+s < +OK\\n\n") != NULL);
    CU_ASSERT(strstr(r.diff, "+s: still open\n") != NULL);
    scn_result_free(&r);

    /* No reply within the timeout. */
    const char *const silent[] = {""};
    run_tcp("timeout 1s\nopen s\ns < +OK hi\ns > USER a\ns < +OK\n", "+OK hi\r\n", silent, 0, &r);
    CU_ASSERT_EQUAL(r.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(r.message, "s: no reply within 1000 ms");
    scn_result_free(&r);

    /* Nobody listening: refused is what the scenario expects. */
    int lfd;
    char bound[128];
    CU_ASSERT_EQUAL_FATAL(scn_tcp_listen("127.0.0.1:0", &lfd, bound, sizeof bound), 0);
    close(lfd);
    struct scn *s = parse("refused\n");
    struct scn_run_opts o = {.target = bound};
    scn_run(s, &o, &r);
    CU_ASSERT_EQUAL(r.status, SCN_PASS);
    scn_result_free(&r);
    scn_free(s);
    s = parse("open s\n");
    scn_run(s, &o, &r);
    CU_ASSERT_EQUAL(r.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(r.message, "s: connection refused");
    scn_result_free(&r);
    scn_free(s);

    /* Admin steps against a foreign server: skipped, with the reason. */
    s = parse("ntlab boot\nopen s\n");
    scn_run(s, &o, &r);
    CU_ASSERT_EQUAL(r.status, SCN_SKIP);
    CU_ASSERT(strstr(r.message, "needs 1 admin step;") != NULL);
    scn_result_free(&r);
    scn_free(s);
}

static void test_run_in_process_errors(void)
{
    struct scn_result r;
    /* In-process, a lab with no store: the session cannot open. */
    struct scn *s = parse("open s\ns > USER a\n");
    struct scn_run_opts o = {.tmpbase = NULL};
    scn_run(s, &o, &r);
    CU_ASSERT_EQUAL(r.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(r.where, "t.scn:1");
    CU_ASSERT_STRING_EQUAL(r.message, "s: no machine in the lab has an Exchange store");
    CU_ASSERT(strstr(r.diff, "-open s\n+open s: no machine in the lab has an Exchange store\n") !=
              NULL);
    /* One cause (issue 14 item 6): the session's later lines are skipped,
     * not failed again as "not connected". */
    CU_ASSERT(strstr(r.diff, "not connected") == NULL);
    CU_ASSERT(strstr(r.diff, "USER") == NULL);
    scn_result_free(&r);
    scn_free(s);
    /* Admin steps with no runner for them. */
    s = parse("ntlab boot\n");
    scn_run(s, &o, &r);
    CU_ASSERT_EQUAL(r.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(r.message, "admin steps need an ntlab command runner");
    scn_result_free(&r);
    scn_free(s);
    /* A parse error as a result. */
    CU_ASSERT_EQUAL(scn_result_parse_error(&r, "x.scn", "x.scn:4: bad thing"), 0);
    CU_ASSERT_EQUAL(r.status, SCN_FAIL);
    CU_ASSERT_STRING_EQUAL(r.where, "x.scn:4");
    CU_ASSERT_STRING_EQUAL(r.message, "bad thing");
    scn_result_free(&r);
}

static void test_tcp_split(void)
{
    char h[SCN_HOST_MAX], p[8];
    CU_ASSERT_EQUAL(scn_tcp_split("127.0.0.1:110", h, p, 0), 0);
    CU_ASSERT_STRING_EQUAL(h, "127.0.0.1");
    CU_ASSERT_STRING_EQUAL(p, "110");
    CU_ASSERT_EQUAL(scn_tcp_split("[::1]:1110", h, p, 0), 0);
    CU_ASSERT_STRING_EQUAL(h, "::1");
    CU_ASSERT_EQUAL(scn_tcp_split("::1:110", h, p, 0), EINVAL);
    CU_ASSERT_EQUAL(scn_tcp_split("host:0", h, p, 0), EINVAL);
    CU_ASSERT_EQUAL(scn_tcp_split("host:0", h, p, 1), 0);
    CU_ASSERT_EQUAL(scn_tcp_split("host:65536", h, p, 0), EINVAL);
    CU_ASSERT_EQUAL(scn_tcp_split("host", h, p, 0), EINVAL);
    CU_ASSERT_EQUAL(scn_tcp_split(":110", h, p, 0), EINVAL);
}

/* The shown form of a client line (m may be NULL). */
static const char *masked(struct scn_mask *m, const char *line)
{
    static char out[256];
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(scn_mask_client(m, &b, line, strlen(line)), 0);
    snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
    buf_free(&b);
    return out;
}

static const char *masked_cmd(const char *cmdline)
{
    static char out[256];
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(scn_mask_cmdline(&b, cmdline), 0);
    snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
    buf_free(&b);
    return out;
}

static void test_mask(void)
{
    /* PASS in any case: the keyword as sent, the whole argument masked. */
    CU_ASSERT_STRING_EQUAL(masked(NULL, "PASS Passw0rd"), "PASS ********");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "pass Passw0rd"), "pass ********");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "Pass my secret  pw "), "Pass ********");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "Pass  x"), "Pass  ********");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "PASS"), "PASS"); /* nothing to hide */
    CU_ASSERT_STRING_EQUAL(masked(NULL, "PASSWORD x"), "PASSWORD x");
    /* Lines without a secret are untouched. */
    CU_ASSERT_STRING_EQUAL(masked(NULL, "User CORP\\alice\\alice"), "User CORP\\alice\\alice");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "APOP alice c4c9334bac560ecc979e58001b3e22fb"),
                           "APOP alice c4c9334bac560ecc979e58001b3e22fb");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "STAT"), "STAT");
    CU_ASSERT_STRING_EQUAL(masked(NULL, ""), "");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "AUTH"), "AUTH");
    /* AUTH PLAIN with an initial response: the response masked. */
    CU_ASSERT_STRING_EQUAL(masked(NULL, "AUTH PLAIN AGFsaWNlAFBhc3N3MHJk"), "AUTH PLAIN ********");
    CU_ASSERT_STRING_EQUAL(masked(NULL, "auth plain AGFsaWNlAFBhc3N3MHJk"), "auth plain ********");

    /* The continuation line after "AUTH PLAIN" answered with "+ ". */
    struct scn_mask m = {0};
    CU_ASSERT_STRING_EQUAL(masked(&m, "AUTH PLAIN"), "AUTH PLAIN");
    scn_mask_server(&m, "+ ", 2);
    CU_ASSERT_STRING_EQUAL(masked(&m, "AGFsaWNlAFBhc3N3MHJk"), "********");
    scn_mask_server(&m, "+OK User successfully logged on", 31);
    CU_ASSERT_STRING_EQUAL(masked(&m, "STAT"), "STAT");
    /* Refused at once: the next line is a command again. */
    CU_ASSERT_STRING_EQUAL(masked(&m, "AUTH PLAIN"), "AUTH PLAIN");
    scn_mask_server(&m, "-ERR unrecognized authentication type", 37);
    CU_ASSERT_STRING_EQUAL(masked(&m, "USER alice"), "USER alice");
    /* "*" cancels and is shown; a bare "+" is a challenge too. */
    CU_ASSERT_STRING_EQUAL(masked(&m, "AUTH PLAIN"), "AUTH PLAIN");
    scn_mask_server(&m, "+", 1);
    CU_ASSERT_STRING_EQUAL(masked(&m, "*"), "*");
    scn_mask_server(&m, "-ERR cancelled", 14);
    CU_ASSERT_STRING_EQUAL(masked(&m, "QUIT"), "QUIT");
    /* Without a state there is no exchange to follow. */
    CU_ASSERT_STRING_EQUAL(masked(NULL, "AGFsaWNlAFBhc3N3MHJk"), "AGFsaWNlAFBhc3N3MHJk");

    /* ntlab command lines: --password values and logon's PASSWORD. */
    CU_ASSERT_STRING_EQUAL(masked_cmd("user add alice --password Passw0rd --machine CORPDC"),
                           "user add alice --password ******** --machine CORPDC");
    CU_ASSERT_STRING_EQUAL(masked_cmd("user add bob --password \"a b\" --password=x"),
                           "user add bob --password ******** --password=********");
    CU_ASSERT_STRING_EQUAL(masked_cmd("logon --type network CORP\\alice Passw0rd"),
                           "logon --type network CORP\\alice ********");
    CU_ASSERT_STRING_EQUAL(masked_cmd("user set alice --password-never-expires on"),
                           "user set alice --password-never-expires on");
    CU_ASSERT_STRING_EQUAL(masked_cmd("service list --tokens"), "service list --tokens");
}

void suite_scenario(void)
{
    UNIT_SUITE("scenario", UNIT_TEST(test_parse_basic), UNIT_TEST(test_parse_words),
               UNIT_TEST(test_parse_heredocs), UNIT_TEST(test_parse_errors),
               UNIT_TEST(test_parse_command_ok), UNIT_TEST(test_parse_bounds),
               UNIT_TEST(test_parse_includes), UNIT_TEST(test_match), UNIT_TEST(test_visible),
               UNIT_TEST(test_diff), UNIT_TEST(test_xml_escape), UNIT_TEST(test_reports),
               UNIT_TEST(test_wire), UNIT_TEST(test_pool), UNIT_TEST(test_record_line),
               UNIT_TEST(test_run_tcp), UNIT_TEST(test_run_in_process_errors),
               UNIT_TEST(test_tcp_split), UNIT_TEST(test_mask));
}
