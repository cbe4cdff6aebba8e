// SPDX-License-Identifier: Apache-2.0
// The preload's start-up state: the broker socket, the shared page that
// serialises round trips across threads and forked processes, the preopen
// map and each preopen's broker handle. Written once by the start-up code
// (preload_init.cc), read everywhere after. Depends on libc only.
#ifndef CAPBOX_PREOPEN_PRELOAD_STATE_H_
#define CAPBOX_PREOPEN_PRELOAD_STATE_H_

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "preopen/include/capbox_preopen.h"
#include "preopen/preload_internal.h"

namespace capbox::preload {

// One MAP_SHARED anonymous page, inherited by every forked process.
struct Shared {
  pthread_mutex_t mutex;  // process-shared, robust, error-checking
  uint32_t seq;           // the last sequence number sent
  uint32_t in_call;       // a request is out and its reply not yet read
  uint32_t broken;        // the stream can no longer be trusted
};

struct State {
  int sock = -1;
  // The socket's identity: a program that closed the descriptor and got
  // the number back for another file must not have requests sent there.
  dev_t sock_dev = 0;
  ino_t sock_ino = 0;
  Shared* shared = nullptr;  // set once the socket is usable
  capbox_preopen_map* map = nullptr;
  uint32_t* handles = nullptr;  // by preopen index
};

State& state();

// call() without the start-up check, for the start-up code itself.
int call_raw(const Call& c, Answer& out, char* data, size_t cap);
// Keeps the local lock consistent across fork.
void install_fork_handlers();

}  // namespace capbox::preload

#endif  // CAPBOX_PREOPEN_PRELOAD_STATE_H_
