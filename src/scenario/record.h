/* ntlab record: a recording TCP proxy. Clients connect to the listening
 * address, each connection is relayed byte for byte to the upstream POP3
 * server, and the exchanged lines become a scenario file ready to replay
 * with `ntlab run --target`:
 *   open s1 / s1 < server line / s1 > client line / s1 closed | close s1
 * (sN for the Nth connection). What the format cannot hold literally is
 * escaped: "{{" as {{\{\{}}, an APOP timestamp <...@...> in a greeting as a
 * {{<[^>]*>}} pattern (it changes with every connection), a CR at the end
 * of a line's text as {{CR}}; a NUL byte in a server line becomes {{.}}
 * (which cannot match, so the replay says where), a client line holding a
 * NUL byte is recorded as a comment. The file is rewritten durably after
 * each connection ends and when recording stops. The file keeps the real
 * passwords (PASS, AUTH responses): a replay must send them; the log never
 * shows a client line. */
#ifndef NTLAB_SCENARIO_RECORD_H
#define NTLAB_SCENARIO_RECORD_H
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SCN_RECORD_DEFAULT_LISTEN "127.0.0.1:1111"
#define SCN_RECORD_MAX_CONNS 64

struct scn_record_opts {
    const char *upstream; /* HOST:PORT of the real server */
    const char *listen;   /* ADDR:PORT to accept clients on (NULL: the default) */
    const char *out_path; /* the scenario file to write */
    size_t max_sessions;  /* stop after this many connections ended; 0 = until stopped */
    /* Stop on the process's stop requests (SIGINT/SIGTERM, Ctrl-C: the
     * platform's plat_stop) as well; false: only max_sessions stops it. */
    bool stop_on_request;
    FILE *log; /* progress lines ("listening on ...", one per connection) or NULL */
};

/* Records until stopped. Returns 0, or an errno value with err set
 * (cannot listen, cannot write the file, bad address). */
int scn_record(const struct scn_record_opts *o, char *err, size_t errlen);

/* The scenario line for one recorded line (exposed for tests): appends
 * "SESS < TEXT" (from_server) or "SESS > TEXT" to out with the escapes
 * above; greeting says it is a session's first server line. bare_lf: the
 * line ended with LF alone. */
int scn_record_line(struct buf *out, const char *sess, int from_server, const char *line,
                    size_t len, int bare_lf, int greeting);

#endif
