// SPDX-License-Identifier: Apache-2.0
// Runs one native program under libcapbox-preload with a BrokerHost over
// the grants given (no seccomp or Landlock: `capbox exec` adds the walls;
// these tests check the translation). Usage:
//   preload_driver LIB [--dir HOST::GUEST::RIGHTS]... [--fixture]
//                  [--cwd GUEST] [--no-broker | --bad-broker]
//                  [--stop-after N] [--landlock] -- PROG ARGS
// --fixture builds a temporary tree (see make_fixture) and grants it; the
// program's environment then has PRELOAD_FIXTURE set to its host root so
// a test can look at the host side. --stop-after N closes the broker after
// N requests, as if the supervisor went away. --landlock adds a ruleset
// like `capbox exec`'s (landlock_walls.h); exit 77 (skip) without Landlock.
// Exits with the program's status
// (128+N for signal N); 99 if the host saw the child misbehave.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "broker/channel.h"
#include "sandbox/broker_host.h"
#include "tests/preopen/landlock_walls.h"
#include "tests/unit/wasi/wasi_fixture.h"
#include "wasi/grant_rights.h"

namespace {

using capbox::UniqueFd;
using capbox::sandbox::Grant;

// The broker's end is this descriptor number in the program.
constexpr int kChildFd = 7;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// root/rw     granted /data with every word, holds existing.txt, sub/a.txt,
//             sub/b.txt and escape -> ../secret.txt
// root/ro     granted /ro read-only, holds readme.txt and d/
// root/wr     granted /wr read,write (no create), holds w.txt
// root/secret.txt lies outside every grant
void make_fixture(const std::string& root, std::vector<Grant>& grants) {
  ::mkdir((root + "/rw").c_str(), 0755);
  ::mkdir((root + "/rw/sub").c_str(), 0755);
  ::mkdir((root + "/ro").c_str(), 0755);
  ::mkdir((root + "/ro/d").c_str(), 0755);
  ::mkdir((root + "/wr").c_str(), 0755);
  write_file(root + "/wr/w.txt", "old\n");
  write_file(root + "/rw/existing.txt", "hello\n");
  write_file(root + "/rw/sub/a.txt", "a\n");
  write_file(root + "/rw/sub/b.txt", "bb\n");
  write_file(root + "/ro/readme.txt", "read only\n");
  write_file(root + "/secret.txt", "secret\n");
  if (::symlink("../secret.txt", (root + "/rw/escape").c_str()) != 0)
    std::perror("symlink");
  auto all = capbox::wasi::parse_grant_rights(
      "read,write,create,delete,rename,metadata");
  auto ro = capbox::wasi::parse_grant_rights("ro");
  grants.push_back({root + "/rw", "/data", *all, "fixture rw"});
  grants.push_back({root + "/ro", "/ro", *ro, "fixture ro"});
  auto wr = capbox::wasi::parse_grant_rights("read,write");
  grants.push_back({root + "/wr", "/wr", *wr, "fixture wr"});
}

bool parse_dir(const std::string& spec, std::vector<Grant>& grants) {
  size_t a = spec.find("::");
  size_t b = a == std::string::npos ? a : spec.find("::", a + 2);
  if (b == std::string::npos)
    return false;
  auto rights = capbox::wasi::parse_grant_rights(spec.substr(b + 2));
  if (!rights)
    return false;
  grants.push_back({spec.substr(0, a), spec.substr(a + 2, b - a - 2), *rights,
                    "--dir " + spec});
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: preload_driver LIB [--dir HOST::GUEST::RIGHTS]... "
               "[--fixture] [--cwd GUEST] [--no-broker|--bad-broker] -- "
               "PROG ARGS...\n");
  return 2;
}

// The program's file, as execvp would find it; empty if none.
std::string find_program(const char* name) {
  std::string found;
  if (std::strchr(name, '/')) {
    found = name;
  } else {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos)
        end = dirs.size();
      std::string candidate = dirs.substr(start, end - start) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
      start = end + 1;
    }
  }
  char* real = found.empty() ? nullptr : ::realpath(found.c_str(), nullptr);
  std::string result = real ? real : "";
  std::free(real);
  return result;
}

// `landlock_program` non-empty: the walls go up first, for that file.
[[noreturn]] void exec_child(int sock,
                             const std::string& lib,
                             const std::string& cwd,
                             const std::string& broker_env,
                             const std::string& landlock_program,
                             char** argv) {
  // dup2 onto itself would keep close-on-exec.
  if (sock >= 0 && (sock == kChildFd ? ::fcntl(sock, F_SETFD, 0)
                                     : ::dup2(sock, kChildFd)) < 0)
    _exit(98);
  ::setenv("LD_PRELOAD", lib.c_str(), 1);
  if (!broker_env.empty())
    ::setenv("CAPBOX_BROKER_FD", broker_env.c_str(), 1);
  else
    ::unsetenv("CAPBOX_BROKER_FD");
  if (!cwd.empty())
    ::setenv("CAPBOX_CWD", cwd.c_str(), 1);
  if (!landlock_program.empty()) {
    if (int rc = capbox::preload_test::apply_landlock(lib, landlock_program)) {
      std::fprintf(stderr, "preload_driver: landlock: %s\n",
                   std::strerror(-rc));
      _exit(98);
    }
    ::execv(landlock_program.c_str(), argv);
  } else {
    ::execvp(argv[0], argv);
  }
  std::perror(argv[0]);
  _exit(127);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4)
    return usage();
  std::string lib = argv[1];
  std::vector<Grant> grants;
  std::string cwd;
  bool fixture = false, no_broker = false, bad_broker = false;
  bool landlock = false;
  long stop_after = -1;
  int i = 2;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      if (!parse_dir(argv[++i], grants))
        return usage();
    } else if (arg == "--cwd" && i + 1 < argc) {
      cwd = argv[++i];
    } else if (arg == "--fixture") {
      fixture = true;
    } else if (arg == "--no-broker") {
      no_broker = true;
    } else if (arg == "--bad-broker") {
      bad_broker = true;
    } else if (arg == "--landlock") {
      landlock = true;
    } else if (arg == "--stop-after" && i + 1 < argc) {
      stop_after = std::atol(argv[++i]);
    } else {
      return usage();
    }
  }
  if (i + 1 >= argc)
    return usage();
  char** program = argv + i + 1;
  std::string landlock_program;
  if (landlock) {
    if (capbox::preload_test::landlock_abi() == 0) {
      std::fprintf(stderr, "preload_driver: no Landlock: skipped\n");
      return 77;
    }
    char* real_lib = ::realpath(lib.c_str(), nullptr);
    lib = real_lib ? real_lib : lib;
    std::free(real_lib);
    landlock_program = find_program(program[0]);
    if (landlock_program.empty()) {
      std::fprintf(stderr, "preload_driver: %s not found\n", program[0]);
      return 2;
    }
  }
  capbox::wasi::testing::TempDir root;
  if (fixture) {
    make_fixture(root.path(), grants);
    ::setenv("PRELOAD_FIXTURE", root.path().c_str(), 1);
  }
  auto host = capbox::sandbox::BrokerHost::create(
      grants, capbox::sandbox::print_denials_once(2));
  if (!host) {
    std::fprintf(stderr, "preload_driver: %s\n", host.error().c_str());
    return 2;
  }
  UniqueFd child_sock, host_sock;
  if (capbox::broker::make_socket_pair(child_sock, host_sock) != 0)
    return 2;
  std::string broker_env = std::to_string(kChildFd);
  if (no_broker)
    broker_env.clear();
  if (bad_broker)
    broker_env = "2";  // stderr: not a broker socket
  pid_t pid = ::fork();
  if (pid < 0)
    return 2;
  if (pid == 0) {
    host_sock.reset();
    exec_child(no_broker || bad_broker ? -1 : child_sock.get(), lib, cwd,
               broker_env, landlock_program, program);
  }
  child_sock.reset();
  capbox::sandbox::ServeResult served;
  if (stop_after >= 0) {
    for (long n = 0; n < stop_after; ++n) {
      served = (*host)->serve_one(host_sock.get());
      if (served.status != capbox::sandbox::ServeStatus::Served)
        break;
    }
    host_sock.reset();
  } else {
    served = (*host)->serve(host_sock.get());
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (served.status == capbox::sandbox::ServeStatus::Misbehaved ||
      served.status == capbox::sandbox::ServeStatus::ChannelError) {
    std::fprintf(stderr, "preload_driver: %s\n", served.why.c_str());
    return 99;
  }
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
