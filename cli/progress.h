/* cli/progress.h — the progress line of `tensim run` on stderr: share
 * of ops done, simulated time, events per second of wall time, time left.
 *
 * Ownership: a cli_progress_t is plain data on the caller's stack.
 */
#ifndef SIM_CLI_PROGRESS_H
#define SIM_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/time.h"

typedef struct {
    bool tty;     /* redraw one line; else print a line now and then */
    bool shown;   /* anything printed */
    bool open;    /* a terminal line without its newline yet */
    double start, last;
} cli_progress_t;

void cli_progress_init(cli_progress_t *p, bool tty);

/* Ends an unfinished terminal line (a run that failed part way), so an
 * error message starts on its own line. O(1). */
void cli_progress_end(cli_progress_t *p);

/* Seconds of wall time since cli_progress_init. O(1). */
double cli_progress_elapsed(const cli_progress_t *p);

/* A sim_progress_fn: prints at most twice a second on a terminal, every
 * 10 s elsewhere, and always at the end. O(1). */
void cli_progress_update(void *ctx, double done, sim_time_t now, uint64_t events);

#endif
