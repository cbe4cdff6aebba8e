// SPDX-License-Identifier: Apache-2.0
// run_program_confined(): native programs (exec_probe.c, /usr/bin/true,
// /usr/bin/env) run confined with no preload library, so every refusal
// seen is the kernel's (Landlock or the deny filter), the program goes on
// after each one, and the run leaves no process, zombie or descriptor.
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base/unique_fd.h"
#include "broker/channel.h"
#include "sandbox/exec_filter.h"
#include "sandbox/exec_procs.h"
#include "sandbox/exec_sandbox.h"

namespace capbox::sandbox {
namespace {

const std::string kProbe = EXEC_PROBE;

ExecConfig probe(std::vector<std::string> args) {
  ExecConfig config;
  config.program = kProbe;
  config.argv = {"exec_probe"};
  config.argv.insert(config.argv.end(), args.begin(), args.end());
  config.env = {"PATH=/usr/bin:/bin", "CAPBOX_TEST=1"};
  config.processes = 16;
  config.wall_time = std::chrono::milliseconds(10000);
  return config;
}

int open_fd_count() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (const dirent* entry = ::readdir(dir))
    count += entry->d_name[0] != '.';
  ::closedir(dir);
  return count;
}

// Puts `fd` at `target` for the run, then puts the old one back.
class Redirect {
 public:
  // No REQUIRE here: with -s, doctest would report it into the capture.
  Redirect(int target, int fd) : target_(target), saved_(::dup(target)) {
    if (!saved_.valid() || ::dup2(fd, target) != target)
      FAIL("cannot redirect descriptor " << target);
  }
  ~Redirect() { ::dup2(saved_.get(), target_); }

 private:
  int target_;
  UniqueFd saved_;
};

struct Outcome {
  RunResult result;
  std::string out;  // what the program wrote to stdout
};

// Runs `config` with stdout captured in a memfd and stdin from `in`
// (-1: unchanged); fails the test if nothing could start.
Outcome run(const ExecConfig& config, int in = -1) {
  const UniqueFd out(::memfd_create("exec-test-out", MFD_CLOEXEC));
  REQUIRE(out.valid());
  Result<RunResult, SpawnError> result = Unexpected(SpawnError{"", 0});
  // What the test framework has buffered is not the program's output.
  std::cout.flush();
  std::fflush(nullptr);
  {
    const Redirect redirect_out(STDOUT_FILENO, out.get());
    if (in >= 0) {
      const Redirect redirect_in(STDIN_FILENO, in);
      result = run_program_confined(config);
    } else {
      result = run_program_confined(config);
    }
  }
  if (!result)
    FAIL("spawn failed: " << result.error().what << ": "
                          << result.error().error);
  std::string text(4096, '\0');
  const ssize_t n = ::pread(out.get(), text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return Outcome{*result, text};
}

void check_exited(const RunResult& result, int status) {
  INFO("end: " << result.message);
  CHECK(result.kind == EndKind::Exited);
  CHECK(result.exit_status == status);
}

// The probe went on after every refusal and said all was as promised.
void check_probe(std::vector<std::string> args, int in = -1) {
  const std::string mode = args.front();  // INFO captures by reference
  INFO("probe " << mode);
  check_exited(run(probe(std::move(args)), in).result, 0);
}

void check_no_descendants() {
  CHECK(scan_descendants(::getpid()).empty());
}

struct TempFile {
  explicit TempFile(mode_t mode, const std::string& content = "data\n") {
    char name[] = "/tmp/capbox-exec-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, content.data(), content.size()) ==
            static_cast<ssize_t>(content.size()));
    ::fchmod(fd, mode);
    ::close(fd);
    path = name;
  }
  ~TempFile() { ::unlink(path.c_str()); }
  std::string path;
};

TEST_CASE("exec: paths outside the rules are refused by Landlock") {
  const TempFile beside(0644);
  check_probe({"open-refused", "/etc/passwd"});
  check_probe({"open-refused", beside.path});
  check_probe({"open-refused", "/tmp"});
  check_probe({"open-refused", "/proc/self/status"});
  check_probe({"usr-lib", "/usr/lib/os-release"});
  check_probe({"devices"});
}

TEST_CASE("exec: only the program itself may be executed") {
  check_probe({"exec-sh"});
  check_exited(run(probe({"exec-self", kProbe})).result, 42);
}

TEST_CASE("exec: no TCP connection, even on a socket it was given") {
  const UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), size) ==
          0);
  REQUIRE(::listen(listener.get(), 1) == 0);
  REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr),
                        &size) == 0);
  const UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  check_probe({"connect", std::to_string(ntohs(addr.sin_port))}, client.get());
}

TEST_CASE("exec: no capabilities, no kernel surface, no new sockets") {
  check_probe({"caps"});
  check_probe({"kernel"});
}

// On a kernel without x32 (most) this passes unfiltered too; on one with
// it, only the filter's foreign-number check holds the socket back.
TEST_CASE("exec: x32 numbers do not dodge the deny list") {
  const RunResult result = run(probe({"x32-socket"})).result;
  INFO("end: " << result.message);
  CHECK(!(result.kind == EndKind::Exited && result.exit_status != 0));
}

TEST_CASE("exec: set-id modes are refused, plain ones work") {
  const TempFile file(0644);
  const UniqueFd in(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
  check_probe({"setid"}, in.get());
  struct stat st {};
  REQUIRE(::stat(file.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
}

TEST_CASE("exec: no signal leaves the sandbox") {
  check_probe({"signals", std::to_string(::getpid())});
  check_no_descendants();
}

TEST_CASE("exec: threads are not counted; posix_spawn's fallback is") {
  ExecConfig config = probe({"threads"});
  config.processes = 2;
  check_exited(run(config).result, 0);
  config = probe({"spawn-self", kProbe});
  config.processes = 2;
  check_exited(run(config).result, 0);
  config.processes = 1;  // the program alone: its spawn is refused
  check_exited(run(config).result, 1);
}

TEST_CASE("exec: a descriptor the supervisor passes in works in full") {
  const TempFile file(0600);
  ExecConfig config = probe({"brokered"});
  config.serve_broker = [&](int fd) {
    uint8_t byte = 0;
    auto got = broker::receive_message(fd, {&byte, 1});
    if (!got)
      return BrokerVerdict::Stop;
    const UniqueFd served(::open(file.path.c_str(), O_RDWR | O_CLOEXEC));
    return broker::send_message(fd, {&byte, 1}, served.get())
               ? BrokerVerdict::Serve
               : BrokerVerdict::Kill;
  };
  check_exited(run(config).result, 0);
  char text[8] = {};
  const UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(::read(fd.get(), text, 5) == 5);
  CHECK(std::string(text) == "done\n");
}

TEST_CASE("exec: a fork bomb is held at the processes limit") {
  ExecConfig config = probe({"fork-bomb"});
  config.processes = 20;
  config.wall_time = std::chrono::milliseconds(5000);
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run(config);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("output: " << outcome.out);
  check_exited(outcome.result, 0);
  // Every process forked until refused: the limit is reached, not passed.
  CHECK(outcome.out.starts_with("processes="));
  const int held = std::atoi(outcome.out.c_str() + 10);
  CHECK(held <= 20);
  CHECK(held >= 18);
  CHECK(took < std::chrono::milliseconds(5000));
  check_no_descendants();
}

TEST_CASE("exec: how the program ended") {
  check_exited(run(probe({"exit", "7"})).result, 7);
  const RunResult crashed = run(probe({"segv", "8"})).result;
  CHECK(crashed.kind == EndKind::Crashed);
  CHECK(crashed.signal == SIGSEGV);
  ExecConfig sleeper = probe({"sleep"});
  sleeper.wall_time = std::chrono::milliseconds(200);
  const RunResult slept = run(sleeper).result;
  CHECK(slept.kind == EndKind::WallTime);
  CHECK(slept.message == "wall-time limit of 200 ms exceeded");
  check_no_descendants();
}

TEST_CASE("exec: daemons the program leaves are ended with it") {
  check_exited(run(probe({"daemon"})).result, 0);
  check_no_descendants();
  ExecConfig config = probe({"daemon", "sleep"});
  config.wall_time = std::chrono::milliseconds(300);
  CHECK(run(config).result.kind == EndKind::WallTime);
  check_no_descendants();
}

TEST_CASE("exec: threads forking at once are held at the limit too") {
  for (int round = 0; round < 3; ++round) {
    ExecConfig config = probe({"thread-bomb"});
    config.processes = 6;
    const Outcome outcome = run(config);
    INFO("output: " << outcome.out);
    check_exited(outcome.result, 0);
    REQUIRE(outcome.out.starts_with("processes="));
    const int held = std::atoi(outcome.out.c_str() + 10);
    CHECK(held <= 6);
    CHECK(held >= 5);
    check_no_descendants();
  }
}

TEST_CASE("exec: programs that cannot be run") {
  ExecConfig config = probe({});
  config.program = "/nonexistent/capbox-exec-probe";
  auto missing = run_program_confined(config);
  REQUIRE(!missing.has_value());
  CHECK(missing.error().error == ENOENT);
  CHECK(std::string(missing.error().what) == "opening the program");

  const TempFile plain(0644);
  config.program = plain.path;
  auto not_executable = run_program_confined(config);
  REQUIRE(!not_executable.has_value());
  CHECK(not_executable.error().error == EACCES);
  CHECK(std::string(not_executable.error().what) ==
        "the program is not executable");

  const TempFile script(0755, "#!/bin/sh\nexit 0\n");
  config.program = script.path;
  auto not_elf = run_program_confined(config);
  REQUIRE(!not_elf.has_value());
  CHECK(not_elf.error().error == ENOEXEC);
  CHECK(std::string(not_elf.error().what) == "the program is not an ELF file");
}

// A 64-bit little-endian ELF header for `machine` with one program
// header, PT_INTERP at offset 120 naming `interpreter` (its bytes as
// given: the terminating NUL is the caller's to include), or none.
std::string elf_file(uint16_t machine, const std::string& interpreter) {
  std::string file(120, '\0');
  file.replace(0, 4,
               "\x7f"
               "ELF");
  file[4] = 2;   // ELFCLASS64
  file[5] = 1;   // little endian
  file[6] = 1;   // EV_CURRENT
  file[16] = 2;  // ET_EXEC
  file[18] = static_cast<char>(machine & 0xff);
  file[19] = static_cast<char>(machine >> 8);
  file[32] = 64;  // e_phoff
  file[54] = 56;  // e_phentsize
  if (interpreter.empty())
    return file;
  file[56] = 1;                                      // e_phnum
  file[64] = 3;                                      // PT_INTERP
  file[72] = 120;                                    // p_offset
  file[96] = static_cast<char>(interpreter.size());  // p_filesz
  return file + interpreter;
}

// A header for another machine passes every check before fork, and
// execve itself refuses it.
TEST_CASE("exec: an execve failure is reported as the Execute stage") {
  const TempFile foreign(0755, elf_file(0x16 /* EM_S390 */, ""));
  ExecConfig config = probe({});
  config.program = foreign.path;
  const RunResult result = run(config).result;
  INFO("end: " << result.message);
  CHECK(result.kind == EndKind::SetupFailed);
  CHECK(result.stage == static_cast<uint32_t>(Stage::Execute));
  CHECK(result.error == ENOEXEC);
}

TEST_CASE("exec: the ELF interpreter is read with care") {
  const auto spawn_error = [](const std::string& content) {
    const TempFile file(0755, content);
    ExecConfig config = probe({});
    config.program = file.path;
    auto result = run_program_confined(config);
    REQUIRE(!result.has_value());
    return std::pair(std::string(result.error().what), result.error().error);
  };
  const std::string malformed = "the program's ELF interpreter is malformed";
  CHECK(spawn_error(elf_file(62, std::string("/lib/ld.so"))) ==
        std::pair(malformed, ENOEXEC));  // no NUL
  CHECK(spawn_error(elf_file(62, std::string("ld.so\0", 6))) ==
        std::pair(malformed, ENOEXEC));  // relative
  CHECK(spawn_error(elf_file(62, std::string("/a\0b\0", 5))) ==
        std::pair(malformed, ENOEXEC));  // a NUL inside
  CHECK(spawn_error(elf_file(62, std::string("/nowhere/ld.so\0", 15))) ==
        std::pair(std::string("opening the ELF interpreter"), ENOENT));
  std::string truncated = elf_file(62, std::string("/lib/ld.so\0", 11));
  truncated.resize(100);  // the program header ends past the file
  CHECK(spawn_error(truncated) ==
        std::pair(std::string("the program's ELF program headers are "
                              "malformed"),
                  ENOEXEC));
  std::string elf32 = elf_file(62, "");
  elf32[4] = 1;  // ELFCLASS32
  CHECK(
      spawn_error(elf32) ==
      std::pair(std::string("the program is not a 64-bit ELF file"), ENOEXEC));
}

TEST_CASE("exec: a dynamic program starts, with the sandbox's environment") {
  ExecConfig config;
  config.program = "/usr/bin/env";
  config.argv = {"env"};
  config.env = {"CAPBOX_TEST=1", "LD_PRELOAD=/nowhere.so",
                "CAPBOX_BROKER_FD=99"};
  config.preload_library = "/usr/lib/x86_64-linux-gnu/libm.so.6";
  if (::access(config.preload_library.c_str(), R_OK) != 0)
    config.preload_library.clear();
  config.serve_broker = [](int) { return BrokerVerdict::Stop; };
  const Outcome outcome = run(config);
  check_exited(outcome.result, 0);
  CHECK(outcome.out.find("CAPBOX_TEST=1\n") != std::string::npos);
  CHECK(outcome.out.find("CAPBOX_BROKER_FD=3\n") != std::string::npos);
  CHECK(outcome.out.find("/nowhere.so") == std::string::npos);
  CHECK(outcome.out.find("CAPBOX_BROKER_FD=99") == std::string::npos);
  if (!config.preload_library.empty())
    CHECK(outcome.out.find("LD_PRELOAD=" + config.preload_library) !=
          std::string::npos);
}

TEST_CASE("exec: runs leak nothing; start-up time of /usr/bin/true") {
  ExecConfig config;
  config.program = "/usr/bin/true";
  config.argv = {"true"};
  const int fds_before = open_fd_count();
  std::vector<double> micros;
  for (int i = 0; i < 21; ++i) {
    const auto start = std::chrono::steady_clock::now();
    check_exited(run(config).result, 0);
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - start)
                         .count());
  }
  std::sort(micros.begin(), micros.end());
  MESSAGE("confined /usr/bin/true: median " << micros[micros.size() / 2]
                                            << " us");
  CHECK(open_fd_count() == fds_before);
  check_no_descendants();
}

TEST_CASE("exec: every deny-list row names a syscall of this machine") {
  for (const ExecSyscallRow& row : exec_syscall_table()) {
    INFO(row.name);
    CHECK(seccomp_syscall_resolve_name(row.name) >= 0);
    CHECK(row.error > 0);
    CHECK(row.reason[0] != '\0');
  }
}

}  // namespace
}  // namespace capbox::sandbox
