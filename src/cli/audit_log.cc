// SPDX-License-Identifier: Apache-2.0
// RunRecorder: audit records as nlohmann ordered_json objects, one line
// each, written with one write(2) so that lines never interleave or tear.
// Guest text may be any bytes: invalid UTF-8 is replaced, never thrown
// about. Depends on sandbox/, wasi/grant_rights.h and nlohmann_json.
#include "cli/audit_log.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "wasi/grant_rights.h"

namespace capbox::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::pair<const char*, uint64_t> kWords[] = {
    {"read", wasi::kGrantRead},     {"write", wasi::kGrantWrite},
    {"create", wasi::kGrantCreate}, {"delete", wasi::kGrantDelete},
    {"rename", wasi::kGrantRename}, {"metadata", wasi::kGrantMetadata},
};

std::string errno_name(int error) {
  if (error == 0)
    return "ok";
  const char* name = ::strerrorname_np(error);
  return name != nullptr ? name : "E" + std::to_string(error);
}

std::string join_path(const std::string& dir, std::string_view rest) {
  if (rest.empty())
    return dir;
  if (dir.empty() || dir.ends_with('/'))
    return dir + std::string(rest);
  return dir + "/" + std::string(rest);
}

std::string guest_key(std::string name) {
  while (name.size() > 1 && name.ends_with('/'))
    name.pop_back();
  return name;
}

Json words_json(const std::vector<std::string>& words) {
  Json list = Json::array();
  for (const std::string& word : words)
    list.push_back(word);
  return list;
}

// mkdir -p with mode 0700 for the directories it makes.
int make_directories(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return errno;
    if (slash == std::string::npos)
      return 0;
  }
}

}  // namespace

std::vector<std::string> rights_words(uint64_t bits) {
  std::vector<std::string> words;
  uint64_t covered = 0;
  for (const auto& [word, word_bits] : kWords) {
    const uint64_t own = bits & word_bits & ~wasi::right::kPathOpen & ~covered;
    if (own != 0)
      words.emplace_back(word);
    covered |= word_bits;
  }
  if (words.empty() && (bits & wasi::right::kPathOpen) != 0)
    words.emplace_back("read");
  return words;
}

std::string utc_timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ",
                static_cast<int>(ms % 1000));
  return text;
}

Result<std::string, std::string> default_audit_path(
    const std::string& program) {
  std::string base;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    base = state;
  else if (const char* home = std::getenv("HOME"); home && *home)
    base = std::string(home) + "/.local/state";
  else
    return Unexpected(std::string(
        "cannot place the audit log: neither XDG_STATE_HOME nor HOME is set; "
        "give --audit=FILE"));
  const std::string dir = base + "/capbox/audit";
  if (const int error = make_directories(dir); error != 0)
    return Unexpected("cannot create the audit directory " + dir + ": " +
                      std::strerror(error));
  std::string name = program.substr(program.rfind('/') + 1);
  if (name.ends_with(".wasm"))
    name.resize(name.size() - 5);
  const time_t now = std::time(nullptr);
  struct tm utc {};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return dir + "/" + name + "-" + stamp + "-" + std::to_string(::getpid()) +
         ".jsonl";
}

void RunRecorder::set_grants(std::vector<sandbox::Grant> grants,
                             std::vector<GrantOrigin> origins) {
  grants_ = std::move(grants);
  origins_ = std::move(origins);
  // Records name host paths absolute, as they were opened.
  for (sandbox::Grant& grant : grants_) {
    std::error_code error;
    auto absolute = std::filesystem::absolute(grant.host_path, error);
    if (!error)
      grant.host_path = absolute.lexically_normal().string();
    while (grant.host_path.size() > 1 && grant.host_path.ends_with('/'))
      grant.host_path.pop_back();
  }
  origins_.resize(grants_.size());
}

Result<void, std::string> RunRecorder::open_audit(const std::string& path) {
  file_ = UniqueFd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!file_.valid())
    return Unexpected("cannot write the audit log " + path + ": " +
                      std::strerror(errno));
  return {};
}

void RunRecorder::write_line(const std::string& line) {
  if (!file_.valid() || write_failed_)
    return;
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::write(file_.get(), line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      // A full disk must not stop the broker; say so once.
      write_failed_ = true;
      const std::string warning =
          std::string("capbox: warning: the audit log cannot be written (") +
          std::strerror(n < 0 ? errno : ENOSPC) + "); later records are lost\n";
      (void)!::write(STDERR_FILENO, warning.data(), warning.size());
      return;
    }
    done += static_cast<size_t>(n);
  }
}

namespace {

// The fields of a record that depend on its grant.
void add_grant_fields(Json& record,
                      const sandbox::Grant* grant,
                      const GrantOrigin* origin) {
  record["grant"] = grant ? Json(grant->guest_name) : Json(nullptr);
  record["rule"] = origin ? Json(origin->rule) : Json(nullptr);
  record["source"] = origin ? Json(origin->source) : Json(nullptr);
  if (origin && !origin->rights_at.empty())
    record["rights_at"] = origin->rights_at;
}

std::string fix_text(const std::vector<std::string>& missing,
                     const sandbox::Grant& grant) {
  std::string words;
  for (const std::string& word : missing)
    words += (words.empty() ? "" : ",") + word;
  return "add \"" + words + "\" to rights at " + grant.source;
}

std::string dump(const Json& record) {
  return record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

void RunRecorder::decision(const sandbox::Decision& d) {
  const std::vector<std::string> missing = rights_words(d.missing);
  if (!d.allowed)
    count_denial(d.operation, d.guest_path, missing, d.grant);
  if (!file_.valid())
    return;
  const bool in_range = d.grant < grants_.size();
  // The grant's host directory made absolute, as wasi records have it;
  // the host's own join keeps the grant's path as written.
  std::string host = d.host_path;
  if (in_range) {
    const std::string key = guest_key(grants_[d.grant].guest_name);
    std::string_view rest =
        std::string_view(d.guest_path)
            .substr(std::min(key.size(), d.guest_path.size()));
    while (rest.starts_with('/'))
      rest.remove_prefix(1);
    host = join_path(grants_[d.grant].host_path, rest);
  }
  Json record;
  record["ts"] = utc_timestamp();
  record["layer"] = "broker";
  record["op"] = d.operation;
  record["guest"] = d.guest_path;
  if (d.target)
    record["target"] = *d.target;
  record["host"] = host;
  record["rights"] = words_json(rights_words(d.needed));
  record["decision"] = d.allowed ? "allow" : "deny";
  if (!d.allowed)
    record["missing"] = words_json(missing);
  add_grant_fields(record, in_range ? &grants_[d.grant] : nullptr,
                   in_range ? &origins_[d.grant] : nullptr);
  record["result"] = errno_name(d.error);
  if (!d.allowed && in_range && !missing.empty())
    record["fix"] = fix_text(missing, grants_[d.grant]);
  write_line(dump(record));
}

void RunRecorder::note(const sandbox::NoteClaim& n) {
  if (n.kind == broker::kNoteUsage) {
    usage_ = n.usage;
    end_reason_ = std::string(n.word);
    return;
  }
  if (n.grant >= grants_.size())
    return;  // BrokerHost checked it against the same grants
  const bool allowed = n.kind == broker::kNoteAllowed;
  const sandbox::Grant& grant = grants_[n.grant];
  const std::vector<std::string> missing =
      allowed ? std::vector<std::string>{}
              : rights_words(n.rights & ~grant.rights.bits);
  const std::string guest(n.guest_path);
  if (!allowed)
    count_denial(std::string(n.word), guest, missing, n.grant);
  if (!file_.valid() ||
      !seen_.emplace(std::string(n.word), guest, n.rights, allowed).second)
    return;
  const std::string key = guest_key(grant.guest_name);
  std::string_view rest = std::string_view(guest).substr(key.size());
  while (rest.starts_with('/'))
    rest.remove_prefix(1);
  Json record;
  record["ts"] = utc_timestamp();
  record["layer"] = "wasi";
  record["op"] = n.word;
  record["guest"] = guest;
  record["host"] = join_path(grant.host_path, rest);
  record["rights"] = words_json(rights_words(n.rights));
  record["decision"] = allowed ? "allow" : "deny";
  if (!allowed)
    record["missing"] = words_json(missing);
  add_grant_fields(record, &grant, &origins_[n.grant]);
  record["result"] = allowed ? "ok" : "ENOTCAPABLE";
  if (!allowed && !missing.empty())
    record["fix"] = fix_text(missing, grant);
  write_line(dump(record));
}

void RunRecorder::count_denial(const std::string& op,
                               const std::string& guest,
                               const std::vector<std::string>& missing,
                               size_t grant) {
  ++denials_;
  std::string words;
  for (const std::string& word : missing)
    words += word + ",";
  auto [it, inserted] =
      denied_.try_emplace(std::make_tuple(op, guest, words, grant));
  DeniedCount& entry = it->second;
  if (inserted) {
    entry.op = op;
    entry.guest = guest;
    entry.missing = missing;
    if (grant < origins_.size()) {
      entry.rule = origins_[grant].rule;
      entry.source = origins_[grant].source;
    }
  }
  ++entry.count;
}

std::vector<DeniedCount> RunRecorder::denied() const {
  std::vector<DeniedCount> list;
  for (const auto& [key, entry] : denied_)
    list.push_back(entry);
  return list;
}

}  // namespace capbox::cli
