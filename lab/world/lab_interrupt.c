#include "lab_interrupt.h"

#include <stdbool.h>
#include <stddef.h>

/* The one signal caught, or 0. File-scope because a signal handler can
 * reach nothing else: it gets no context pointer, and only a volatile
 * sig_atomic_t may be written from it (C11 7.14.1.1). One flag serves the
 * whole process: a signal is an event of the process, not of a module. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    caught = sig;
}

void lab_interrupt_catch(struct lab_interrupt *saved)
{
    struct sigaction sa = {.sa_handler = on_signal};
    bool nested;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved->old_int);
    sigaction(SIGTERM, &sa, &saved->old_term);
    nested = saved->old_int.sa_handler == on_signal;
    if (!nested)
        caught = 0;
}

void lab_interrupt_release(const struct lab_interrupt *saved)
{
    sigaction(SIGINT, &saved->old_int, NULL);
    sigaction(SIGTERM, &saved->old_term, NULL);
}

int lab_interrupted(void)
{
    return caught;
}
