/* The control channel between `ntlab COMMAND` and a running `ntlab up`
 * daemon: admin commands (rights, user, reboot, service, clock, ...) run
 * inside the daemon against its live machines. On POSIX it is a Unix-domain
 * socket LAB/ntlab.ctl, mode 0600 (owner-only). The wire format is owned by
 * src/net/control.c. (Contract between the CLI and the daemon.) */
#ifndef NTLAB_NET_CONTROL_H
#define NTLAB_NET_CONTROL_H
#include <stdbool.h>
#include <stdio.h>

/* If a daemon serves the lab in labdir, sends the command (argv[0] is the
 * subcommand name, plus machine = the --machine value or NULL) to it,
 * copies what it printed to out and err, sets *rc to its exit code and
 * returns true. Returns false when no daemon serves the lab (no socket, or
 * nobody listening: a stale socket from a crash). A daemon that is there
 * but fails mid-request gives true with *rc = 1 and a message on err. */
bool control_forward(const char *labdir, const char *machine, int argc, char **argv, FILE *out,
                     FILE *err, int *rc);

#endif
