// SPDX-License-Identifier: Apache-2.0
// The sandboxed child's notes to the supervisor (broker Op::Note), sent
// only when the run is audited or reported: each distinct rights check
// the WASI layer makes on a granted descriptor (allowed once per
// function, path and rights; denied up to a few hundred times, so that
// the report can count them), then one usage note as the guest ends.
// Runs in the child; depends on broker/client.h, wasi/context.h and
// engine/trap.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/client.h"
#include "engine/trap.h"
#include "wasi/context.h"

namespace capbox::cli {

// "trap:out_of_fuel", "trap:unreachable", "trap:memory_out_of_bounds" ...
std::string trap_reason(const engine::Trap& trap);
// "signal:SIGSEGV" for signal number `signal`.
std::string signal_reason(int signal);

class NoteSender {
 public:
  explicit NoteSender(broker::Client& client) : client_(client) {}

  // For wasi::ContextOptions::on_rights_checked. The sender must outlive
  // it.
  std::function<void(const wasi::RightsCheck&)> hook();
  // The last note: what the run used and how it ended.
  void usage(const broker::NoteUsage& usage, std::string_view reason);

 private:
  void send(uint32_t kind,
            std::string_view word,
            std::string_view path,
            uint64_t rights);

  broker::Client& client_;
  // Times each (decision, rights, function, path) was sent.
  std::unordered_map<std::string, uint32_t> sent_;
  uint64_t total_ = 0;
};

}  // namespace capbox::cli
