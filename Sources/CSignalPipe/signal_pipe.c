#include "signal_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int write_end = -1;

static void forward_signal(int signal_number) {
    int saved_errno = errno;
    unsigned char byte = (unsigned char)signal_number;
    // Non-blocking: a full pipe already holds signals the reader has not seen, so dropping this one loses nothing.
    (void)write(write_end, &byte, 1);
    errno = saved_errno;
}

int bilin_signal_pipe_open(const int *signals, int count) {
    int ends[2];
    if (pipe(ends) != 0) return -1;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFL, O_NONBLOCK);
    write_end = ends[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = forward_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // the interrupted thread's system calls carry on
    sigset_t routed;
    sigemptyset(&routed);
    for (int index = 0; index < count; index++) {
        if (sigaction(signals[index], &action, NULL) != 0) return -1;
        sigaddset(&routed, signals[index]);
    }
    // The signal mask is inherited: a parent that starts the tool from a thread blocking these signals (Foundation's
    // Process on a Dispatch worker does) would leave them pending forever.
    pthread_sigmask(SIG_UNBLOCK, &routed, NULL);
    return ends[0];
}
