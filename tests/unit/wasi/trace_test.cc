// SPDX-License-Identifier: Apache-2.0
// The --trace formatter: flag and rights words, quoting of guest bytes
// (control bytes, quotes, long strings, bad pointers), whole lines of
// traced calls with their out-values, errors and traps, and the reason a
// refused call's line ends with. Drives wasi/trace.h over WasiFixture.
#include "wasi/trace.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/wasi/fd_test_util.h"
#include "wasi/grant_rights.h"
#include "wasi/trace_groups.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using trace_detail::quoted_bytes;
using trace_detail::scalar;

// A fixture whose trace lines land in `lines`.
std::unique_ptr<WasiFixture> traced_fixture(std::vector<std::string>& lines,
                                            Rights rights = {right::kAll}) {
  ContextOptions options;
  options.trace_groups = kTraceAll;
  options.trace_sink = [&lines](std::string_view line) {
    lines.emplace_back(line);
  };
  return std::make_unique<WasiFixture>(rights, rights, Abi::Preview1,
                                       std::move(options));
}

// Runs preview1 `function` on `args` the way link.cc does under --trace.
template <typename Fn, typename... Args>
Ret traced(WasiFixture& fx, std::string_view function, Fn fn, Args... args) {
  Call call = fx.call();
  call.function = function;
  const uint64_t raw[] = {static_cast<uint64_t>(args)...};
  TracedCall line(call, raw, sizeof...(Args));
  Ret outcome = fn(call, args...);
  line.finish(outcome);
  return outcome;
}

TEST_CASE("flag words: WASI names, 0 for none, unknown bits in hex") {
  CHECK(scalar(TraceKind::Oflags, oflag::kCreat | oflag::kTrunc,
               Abi::Preview1) == "oflags=CREAT|TRUNC");
  CHECK(scalar(TraceKind::Oflags, 0, Abi::Preview1) == "oflags=0");
  CHECK(scalar(TraceKind::Oflags, oflag::kExcl | 0x100, Abi::Preview1) ==
        "oflags=EXCL|0x100");
  CHECK(scalar(TraceKind::Fdflags, fdflag::kAppend, Abi::Preview1) ==
        "fdflags=APPEND");
  CHECK(scalar(TraceKind::Lookup, kLookupSymlinkFollow, Abi::Preview1) ==
        "SYMLINK_FOLLOW");
  CHECK(scalar(TraceKind::Whence, 0, Abi::Preview1) == "SET");
  CHECK(scalar(TraceKind::Whence, 0, Abi::Unstable) == "CUR");
  CHECK(scalar(TraceKind::Whence, 9, Abi::Preview1) == "9");
  CHECK(scalar(TraceKind::I64, static_cast<uint64_t>(-5), Abi::Preview1) ==
        "-5");
}

TEST_CASE("rights read as the policy's words") {
  CHECK(scalar(TraceKind::Rights, right::kFdRead, Abi::Preview1) ==
        "rights=read");
  CHECK(scalar(TraceKind::Rights, right::kFdRead | right::kFdWrite,
               Abi::Preview1) == "rights=read,write");
  CHECK(scalar(TraceKind::Rights, right::kAll, Abi::Preview1) == "rights=all");
  CHECK(scalar(TraceKind::Inherit, 0, Abi::Preview1) == "inheriting=0");
  CHECK(scalar(TraceKind::Rights, right::kFdSeek, Abi::Preview1) ==
        "rights=other");
}

TEST_CASE("guest bytes are quoted: quotes, newlines, control bytes") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  Guest mem = fx->call().mem;
  const std::string text = "a\"b\\c\nd\x01\x7f\xff";
  fx->put_string(100, text);
  CHECK(quoted_bytes(mem, 100, static_cast<uint32_t>(text.size())) ==
        "\"a\\\"b\\\\c\\nd\\x01\\x7f\\xff\"");
  CHECK(quoted_bytes(mem, 100, 0) == "\"\"");
}

TEST_CASE("long strings are cut at the limit, then ...") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  Guest mem = fx->call().mem;
  fx->put_string(100, std::string(40, 'x'));
  CHECK(quoted_bytes(mem, 100, 40) == "\"" + std::string(32, 'x') + "\"...");
  CHECK(quoted_bytes(mem, 100, 40, 40) == "\"" + std::string(40, 'x') + "\"");
  CHECK(quoted_bytes(mem, 100, 3, 2) == "\"xx\"...");
}

TEST_CASE("a pointer outside memory shows as ...") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  Guest mem = fx->call().mem;
  CHECK(quoted_bytes(mem, fx->mem_size() - 2, 10) == "...");
  CHECK(quoted_bytes(mem, 0xffffffffu, 1) == "...");
}

TEST_CASE("errno names are WASI's, upper case") {
  CHECK(trace_detail::errno_name(Errno::Notcapable) == "NOTCAPABLE");
  CHECK(trace_detail::errno_name(Errno::Noent) == "NOENT");
  CHECK(trace_detail::errno_name(Errno::Badf) == "BADF");
  CHECK(trace_detail::errno_name(static_cast<Errno>(999)) == "?");
}

TEST_CASE("a successful path_open: named descriptors and the out fd") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  write_host(fx->dir() / "a.txt", "x");
  fx->put_string(kPath, "a.txt");
  REQUIRE(errno_of(traced(*fx, "path_open", preview1::path_open,
                          WasiFixture::kPreopenFd, 0u, kPath, 5u, 0u,
                          uint64_t{right::kFdRead}, uint64_t{0}, 0u, kOut)) ==
          Errno::Success);
  REQUIRE(lines.size() == 1);
  const uint32_t fd = fx->get<uint32_t>(kOut);
  CHECK(lines[0] ==
        "path_open(3</sandbox>, 0, \"a.txt\", oflags=0, "
        "rights=read, inheriting=0, fdflags=0) = 0 [fd " +
            std::to_string(fd) + "</sandbox/a.txt>]");
}

TEST_CASE("an error shows -1 and its name, and no out-values") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  fx->put_string(kPath, "nope");
  CHECK(errno_of(traced(*fx, "path_open", preview1::path_open,
                        WasiFixture::kPreopenFd, 1u, kPath, 4u, 0u,
                        uint64_t{right::kFdRead}, uint64_t{0}, 0u, kOut)) ==
        Errno::Noent);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "path_open(3</sandbox>, SYMLINK_FOLLOW, \"nope\", "
        "oflags=0, rights=read, inheriting=0, fdflags=0) = -1 "
        "NOENT");
  CHECK(errno_of(traced(*fx, "fd_close", preview1::fd_close, 77u)) ==
        Errno::Badf);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "fd_close(77) = -1 BADF");
}

TEST_CASE("out-values follow the result in brackets") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  REQUIRE(errno_of(traced(*fx, "args_sizes_get", preview1::args_sizes_get, kOut,
                          kOut + 4)) == Errno::Success);
  REQUIRE(errno_of(traced(*fx, "fd_prestat_get", preview1::fd_prestat_get,
                          WasiFixture::kPreopenFd, kOut)) == Errno::Success);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "args_sizes_get() = 0 [2, 10]");  // "prog", "arg1"
  CHECK(lines[1] == "fd_prestat_get(3</sandbox>) = 0 [dir, name_len 8]");
}

TEST_CASE("a trap ends the line with ? and what trapped") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  Call call = fx->call();
  call.function = "fd_close";
  const uint64_t raw[] = {3};
  TracedCall line(call, raw, 1);
  line.finish(Ret(Unexpected(engine::Trap::host_error("broken"))));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("fd_close(3</sandbox>) = ? (trap: "));
  CHECK(lines[0].find("broken") != std::string::npos);
}

TEST_CASE("proc_exit is written when called, as it never returns") {
  std::vector<std::string> lines;
  auto fx = traced_fixture(lines);
  Call call = fx->call();
  call.function = "proc_exit";
  const uint64_t raw[] = {3};
  TracedCall line(call, raw, 1);
  CHECK(lines == std::vector<std::string>{"proc_exit(3)"});
}

TEST_CASE("the reason of a denial: each word quoted, then where") {
  CHECK(trace_denial_suffix({"write", "app.toml:9:10"}) ==
        " (denied: \"write\" not granted, app.toml:9:10)");
  CHECK(trace_denial_suffix({"write,create", "--dir ./o::/o"}) ==
        " (denied: \"write\", \"create\" not granted, --dir ./o::/o)");
  CHECK(trace_denial_suffix({"read", ""}) == " (denied: \"read\" not granted)");
}

TEST_CASE("a refused call's line ends with the embedder's reason") {
  std::vector<std::string> lines;
  std::vector<std::string> denied;  // on_denied still runs
  ContextOptions options;
  options.trace_groups = kTraceAll;
  options.trace_sink = [&lines](std::string_view l) { lines.emplace_back(l); };
  options.on_denied = [&denied](const RightsDenial& d) {
    denied.push_back(d.guest_path);
  };
  trace_denial_reasons(options, [](const RightsDenial& d) {
    return std::optional<TraceDenialReason>(TraceDenialReason{
        d.guest_path == "/sandbox/skip" ? "" : "create", "app.toml:3:9"});
  });
  WasiFixture fx({kGrantRead}, {kGrantRead}, Abi::Preview1, std::move(options));
  fx.put_string(kPath, "newdir");
  CHECK(errno_of(
            traced(fx, "path_create_directory", preview1::path_create_directory,
                   WasiFixture::kPreopenFd, kPath, 6u)) == Errno::Notcapable);
  CHECK(errno_of(traced(fx, "fd_close", preview1::fd_close, 77u)) ==
        Errno::Badf);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "path_create_directory(3</sandbox>, \"newdir\") = -1 NOTCAPABLE "
        "(denied: \"create\" not granted, app.toml:3:9)");
  CHECK(lines[1] == "fd_close(77) = -1 BADF");
  CHECK(denied == std::vector<std::string>{"/sandbox/newdir"});
}

TEST_CASE("a reason is not carried to a later call's line") {
  std::vector<std::string> lines;
  ContextOptions options;
  options.trace_groups = trace_bit(TraceGroup::Fd);  // path_* untraced
  options.trace_sink = [&lines](std::string_view l) { lines.emplace_back(l); };
  trace_denial_reasons(options, [](const RightsDenial&) {
    return std::optional<TraceDenialReason>(TraceDenialReason{"create", "x"});
  });
  WasiFixture fx({kGrantRead}, {kGrantRead}, Abi::Preview1, std::move(options));
  fx.put_string(kPath, "newdir");
  Call call = fx.call();
  call.function = "path_create_directory";
  CHECK(errno_of(preview1::path_create_directory(
            call, WasiFixture::kPreopenFd, kPath, 6)) == Errno::Notcapable);
  CHECK(errno_of(traced(fx, "fd_close", preview1::fd_close, 77u)) ==
        Errno::Badf);
  CHECK(lines == std::vector<std::string>{"fd_close(77) = -1 BADF"});
}

}  // namespace
}  // namespace capbox::wasi
