#pragma once
// The baseline of the end-to-end benchmark: the protocol core on a bare epoll
// loop, with no Qt, no signals and no timers. What WsKit's Server costs above it
// is the price of the Qt layer.

// Serves on 127.0.0.1 on an ephemeral port, prints "port N" and runs until its
// standard input ends, answering lines there as Harness::answerOnStandardInput()
// does. Echoes every message, or with broadcast sends it to every connection.
// Returns non-zero if it cannot listen.
int serveCoreOnEpoll(bool broadcast);
