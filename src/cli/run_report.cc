// SPDX-License-Identifier: Apache-2.0
// The report as nlohmann ordered_json (keys in the order capbox(1) lists
// them), written beside its destination and renamed into place.
#include "cli/run_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace capbox::cli {
namespace {

using Json = nlohmann::ordered_json;

template <typename T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json limit_json(const LimitUse& use, const char* used_key) {
  Json limit;
  limit["max"] = or_null(use.max);
  limit[used_key] = or_null(use.used);
  return limit;
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A new file in `path`'s directory: O_EXCL with a name no one else uses.
Result<std::pair<std::string, int>, std::string> make_temporary(
    const std::string& path) {
  std::string temp = directory_of(path) + "/.capbox-report-" +
                     std::to_string(::getpid()) + ".tmp";
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST && ::unlink(temp.c_str()) == 0)
      return make_temporary(path);
    return Unexpected("cannot write the report " + path + ": " +
                      std::strerror(errno));
  }
  return std::make_pair(temp, fd);
}

}  // namespace

std::string report_json(const RunReport& r) {
  Json report;
  report["program"] = r.program;
  report["command"] = r.command;
  report["policy"] = or_null(r.policy);
  report["status"] = r.status;
  report["reason"] = r.reason;
  report["exit_code"] = or_null(r.exit_code);
  report["signal"] = or_null(r.signal);
  report["wall_ms"] = std::round(r.wall_ms * 10) / 10;
  Json limits;
  limits["memory"] = limit_json(r.memory, "peak");
  limits["fuel"] = limit_json(r.fuel, "used");
  limits["wall_time_ms"] = limit_json(r.wall_time_ms, "used");
  limits["cpu_time_ms"] = limit_json(r.cpu_time_ms, "used");
  limits["output"] = limit_json(r.output, "used");
  limits["file_output"] = limit_json(r.file_output, "used");
  limits["open_files"] = limit_json(r.open_files, "peak");
  limits["processes"] = limit_json(r.processes, "peak");
  report["limits"] = limits;
  report["denials"] = r.denials;
  Json denied = Json::array();
  for (const DeniedCount& d : r.denied) {
    Json entry;
    entry["op"] = d.op;
    entry["guest"] = d.guest;
    entry["missing"] = d.missing;
    entry["rule"] = or_null(d.rule);
    entry["source"] = or_null(d.source);
    entry["count"] = d.count;
    denied.push_back(entry);
  }
  report["denied"] = denied;
  Json host;
  host["supervisor_peak_rss"] = or_null(r.supervisor_peak_rss);
  host["child_peak_rss"] = or_null(r.child_peak_rss);
  report["host"] = host;
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<void, std::string> check_report_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return Unexpected("cannot write the report " + path + ": " +
                      std::strerror(EISDIR));
  auto temp = make_temporary(path);
  if (!temp)
    return Unexpected(temp.error());
  ::close(temp->second);
  ::unlink(temp->first.c_str());
  return {};
}

Result<void, std::string> write_report(const std::string& path,
                                       const RunReport& report) {
  auto temp = make_temporary(path);
  if (!temp)
    return Unexpected(temp.error());
  const std::string text = report_json(report);
  size_t done = 0;
  int error = 0;
  while (done < text.size() && error == 0) {
    const ssize_t n =
        ::write(temp->second, text.data() + done, text.size() - done);
    if (n > 0)
      done += static_cast<size_t>(n);
    else if (n == 0 || errno != EINTR)
      error = n == 0 ? ENOSPC : errno;
  }
  if (::close(temp->second) != 0 && error == 0)
    error = errno;
  if (error == 0 && ::rename(temp->first.c_str(), path.c_str()) != 0)
    error = errno;
  if (error != 0) {
    ::unlink(temp->first.c_str());
    return Unexpected("cannot write the report " + path + ": " +
                      std::strerror(error));
  }
  return {};
}

}  // namespace capbox::cli
