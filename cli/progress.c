/* cli/progress.c — the progress line `tensim run` shows on stderr
 * during a long run. It reads the wall clock, which is why it lives in the
 * command line tool and only ever writes to the terminal: nothing it sees
 * reaches a result. */
#define _POSIX_C_SOURCE 200809L
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress_t *p, bool tty)
{
    p->tty = tty;
    p->start = p->last = wall_s();
    p->shown = false;
    p->open = false;
}

double cli_progress_elapsed(const cli_progress_t *p)
{
    return wall_s() - p->start;
}

void cli_progress_update(void *ctx, double done, sim_time_t now, uint64_t events)
{
    cli_progress_t *p = ctx;
    double t = wall_s(), elapsed = t - p->start;
    bool last = done >= 1;
    /* a terminal line redrawn twice a second; elsewhere one line in 10 s */
    if (!last && t - p->last < (p->tty ? 0.5 : 10))
        return;
    p->last = t;
    char left[32] = "";
    if (done > 0.01 && !last)
        snprintf(left, sizeof left, ", about %.0f s left", elapsed / done * (1 - done));
    fprintf(stderr, "%s[tensim] %5.1f%% of ops, simulated %.6g s, %.3g M events/s%s%s",
            p->tty ? "\r" : "", 100 * done, sim_time_to_s(now),
            elapsed > 0 ? (double)events / elapsed / 1e6 : 0.0, left,
            p->tty ? "\033[K" : "\n");
    p->shown = true;
    p->open = p->tty && !last;
    if (p->tty && last)
        fputc('\n', stderr);
    fflush(stderr);
}

void cli_progress_end(cli_progress_t *p)
{
    if (p->open)
        fputc('\n', stderr);
    p->open = false;
}
