#ifndef BILIN_SIGNAL_PIPE_H
#define BILIN_SIGNAL_PIPE_H

/// Routes `signals` to a pipe and returns its read end (or -1, with errno set, when the pipe or a handler cannot be
/// set up). Each delivery writes the signal number as one byte; a thread reading the pipe does the real work.
/// Also unblocks `signals` in the calling thread, whose mask the threads it starts inherit.
///
/// Written in C because a signal handler may call only async-signal-safe functions: this one calls write(2) and
/// nothing else, which Swift code cannot promise (its runtime may lock or allocate).
int bilin_signal_pipe_open(const int *signals, int count);

#endif
