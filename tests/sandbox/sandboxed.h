// SPDX-License-Identifier: Apache-2.0
// Helpers for the sandbox tests: run a body in a forked, locked-down child
// (Chromium's BPF_TEST idea: every filter lives and dies in its own
// process) and check how it ended. Test code only.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "sandbox/supervisor.h"

namespace capbox::sandbox::testing {

// Runs `body` under the full lockdown with `config`; fails the test if the
// child cannot even be started.
inline RunResult run_in_sandbox(const SandboxConfig& config,
                                const std::function<int()>& body) {
  auto result = run_sandboxed(config, [&](int) { return body(); });
  REQUIRE_MESSAGE(result.has_value(), "spawn failed");
  return *result;
}

inline RunResult run_in_sandbox(const std::function<int()>& body) {
  return run_in_sandbox(SandboxConfig{}, body);
}

// The child must have been stopped by the filter at `syscall`.
inline void check_blocked(const RunResult& result, const std::string& syscall) {
  INFO("end: " << result.message);
  CHECK(result.kind == EndKind::BlockedSyscall);
  CHECK(result.syscall == syscall);
  CHECK(result.message == "blocked system call " + syscall);
}

// The child must have returned 0.
inline void check_ok(const RunResult& result) {
  INFO("end: " << result.message);
  CHECK(result.kind == EndKind::Exited);
  CHECK(result.exit_status == 0);
}

}  // namespace capbox::sandbox::testing
