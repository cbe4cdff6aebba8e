// SPDX-License-Identifier: Apache-2.0
// Which of a program's instructions run, in the order they first run, across
// the whole process tree it forks: single-steps every process with ptrace
// and prints, the first time a process runs an instruction, the process's
// number (0 for the program, then 1, 2, ... in the order they appear) and
// the instruction's offset from the start of the program's first mapping.
// startup_order.py turns the offsets into functions and the linker script that
// puts capbox's start-up path on contiguous pages. Slow (one ptrace stop per
// instruction): run it on a hello-world, not on a benchmark.
//
//   startup_trace OUT.txt PROGRAM ARGS...
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace {

// The load address of the executable: the first line of /proc/PID/maps.
uintptr_t load_base(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  std::getline(maps, line);
  return std::stoull(line, nullptr, 16);
}

[[noreturn]] void run_traced(char** argv) {
  ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
  raise(SIGSTOP);
  execv(argv[0], argv);
  std::fprintf(stderr, "startup_trace: cannot run %s: %s\n", argv[0],
               std::strerror(errno));
  _exit(127);
}

struct Tracer {
  FILE* out = nullptr;
  uintptr_t base = 0;
  std::unordered_map<pid_t, unsigned> process_number;
  std::unordered_set<uint64_t> seen;  // process number << 48 | offset

  void record(pid_t pid) {
    user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, nullptr, &regs) != 0 || base == 0 ||
        regs.rip < base)
      return;
    auto [it, fresh] = process_number.try_emplace(pid, process_number.size());
    uint64_t offset = regs.rip - base;
    if (seen.insert(uint64_t{it->second} << 48 | offset).second)
      std::fprintf(out, "%u %lx\n", it->second,
                   static_cast<unsigned long>(offset));
  }

  // Steps every traced process until the last one exits; returns the
  // first process's exit status.
  int run(pid_t first) {
    int first_status = 0;
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, __WALL);
      if (pid < 0)
        return first_status;
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (pid == first)
          first_status =
              WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        continue;
      }
      int signal = WSTOPSIG(status);
      int event = status >> 16;
      int deliver = 0;
      if (event == PTRACE_EVENT_EXEC) {
        base = load_base(pid);
      } else if (event != 0 || signal == SIGTRAP) {
        record(pid);  // a step, or a fork/clone event of the parent
      } else if (signal != SIGSTOP) {
        deliver = signal;  // the program's own signal
      }
      ptrace(PTRACE_SINGLESTEP, pid, nullptr,
             reinterpret_cast<void*>(static_cast<uintptr_t>(deliver)));
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: startup_trace OUT.txt PROGRAM ARGS...\n");
    return 2;
  }
  FILE* out = std::fopen(argv[1], "w");
  if (!out) {
    std::fprintf(stderr, "startup_trace: cannot write %s: %s\n", argv[1],
                 std::strerror(errno));
    return 2;
  }
  pid_t child = fork();
  if (child == 0)
    run_traced(argv + 2);
  int status;
  waitpid(child, &status, 0);  // its SIGSTOP
  ptrace(PTRACE_SETOPTIONS, child, nullptr,
         reinterpret_cast<void*>(PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK |
                                 PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                                 PTRACE_O_EXITKILL));
  // Run freely up to the exec; step from there on.
  ptrace(PTRACE_CONT, child, nullptr, nullptr);
  waitpid(child, &status, 0);
  Tracer tracer;
  tracer.out = out;
  if (status >> 16 == PTRACE_EVENT_EXEC)
    tracer.base = load_base(child);
  ptrace(PTRACE_SINGLESTEP, child, nullptr, nullptr);
  int result = tracer.run(child);
  std::fclose(out);
  std::fprintf(stderr, "startup_trace: %zu distinct instructions, status %d\n",
               tracer.seen.size(), result);
  return result;
}
