/*
 * lab_interrupt: SIGINT and SIGTERM turned into one flag, for the code
 * that must finish its clean-up whenever the signal comes: `up` waiting
 * for the lab holder (lab_world), `run` and `mta` around their child
 * (lab_session), and `mta`'s child stopping the MTA it started.
 *
 * Catches nest: an inner catch (lab_world_up inside a session) leaves a
 * signal the outer one caught set, so the inner code sees it too, and its
 * release puts the outer handler back. A child forked under a catch keeps
 * the handler and the flag (fork copies both).
 */
#ifndef LAB_INTERRUPT_H
#define LAB_INTERRUPT_H

#include <signal.h>

struct lab_interrupt {
    struct sigaction old_int, old_term; /* what the catch replaced */
};

/* From now on SIGINT and SIGTERM only set the flag (without SA_RESTART:
 * a blocking call returns EINTR). The flag is cleared unless an outer
 * catch is active. */
void lab_interrupt_catch(struct lab_interrupt *saved);

/* Put back the handlers the catch replaced. */
void lab_interrupt_release(const struct lab_interrupt *saved);

/* The signal caught (SIGINT or SIGTERM), or 0. */
int lab_interrupted(void);

#endif
