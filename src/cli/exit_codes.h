// SPDX-License-Identifier: Apache-2.0
// Exit statuses of the capbox command (see README.md and design/CLI.md 3d).
// They follow env(1)/timeout(1) for wrapper failures and wasmtime for traps,
// so scripts can tell capbox's own failures from the guest's. Depends on
// nothing.
#pragma once

namespace capbox::cli {

// The guest's own statuses pass through in the range 0..125.
inline constexpr int kExitOk = 0;
// The guest asked to exit with a status outside [0, 126) (as wasmtime).
inline constexpr int kExitGuestStatusOutOfRange = 1;
// capbox failed before the guest started: a bad flag, an unknown
// subcommand, arguments that do not fit the invoked function's type.
inline constexpr int kExitUsage = 125;
// The module was found but cannot be started: unreadable (permission
// denied, a directory), malformed or invalid, an import capbox does not
// provide, no such export.
inline constexpr int kExitCannotStart = 126;
// The module file does not exist.
inline constexpr int kExitNotFound = 127;
// The guest trapped (128 + SIGABRT, as wasmtime and WasmEdge).
inline constexpr int kExitTrap = 134;

// The subcommands that run nothing (policy *, inspect) use sysexits(3).
// policy check --score: a policy's exposure is over --threshold.
inline constexpr int kExFindings = 1;
inline constexpr int kExUsage = 64;
inline constexpr int kExDataErr = 65;
inline constexpr int kExNoInput = 66;
inline constexpr int kExSoftware = 70;
inline constexpr int kExCantCreat = 73;
inline constexpr int kExConfig = 78;

}  // namespace capbox::cli
