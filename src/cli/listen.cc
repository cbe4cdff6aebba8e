// SPDX-License-Identifier: Apache-2.0
// listen_tcp: parses ADDR:PORT strictly (numeric only, see listen.h) and
// opens the socket with SO_REUSEADDR, so a server restarted at once can
// bind again while old connections sit in TIME_WAIT. Depends on base/ and
// libc only.
#include "cli/listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace capbox::cli {
namespace {

constexpr int kBacklog = 128;

struct Endpoint {
  std::string host;
  std::string port;
  int family = AF_INET;
};

// The parse error alone; the caller adds the spec.
Result<Endpoint, std::string> parse(std::string_view spec) {
  Endpoint out;
  std::string_view port;
  if (spec.starts_with('[')) {
    const size_t close = spec.find("]:");
    if (close == std::string_view::npos)
      return Unexpected(
          std::string("expected [IPv6]:PORT, such as [::1]:8080"));
    out.host = spec.substr(1, close - 1);
    out.family = AF_INET6;
    port = spec.substr(close + 2);
  } else {
    const size_t colon = spec.rfind(':');
    if (colon == std::string_view::npos)
      return Unexpected(
          std::string("expected ADDR:PORT, such as 127.0.0.1:8080"));
    out.host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
    if (out.host.find(':') != std::string::npos)
      return Unexpected(
          std::string("an IPv6 address needs brackets, such as [::1]:8080"));
  }
  if (out.host.empty())
    return Unexpected(std::string(
        "no address before the port (0.0.0.0 means every IPv4 address)"));
  if (out.host == "localhost")
    out.host = "127.0.0.1";
  // getaddrinfo would also take inet_aton's shorthands ("127.1").
  in_addr v4{};
  if (out.family == AF_INET && ::inet_pton(AF_INET, out.host.c_str(), &v4) != 1)
    return Unexpected("'" + out.host + "' is not a numeric IPv4 address");
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoul(std::string(port)) > 65535)
    return Unexpected("bad port '" + std::string(port) +
                      "' (expected 0 to 65535)");
  out.port = port;
  return out;
}

Result<UniqueFd, std::string> open_listener(int family,
                                            const sockaddr* addr,
                                            socklen_t addr_len) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd)
    return Unexpected(std::string(std::strerror(errno)));
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return Unexpected(std::string(std::strerror(errno)));
  // The grant names one address family; a dual-stack [::] would also
  // accept IPv4 connections the user did not name.
  if (family == AF_INET6 &&
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
    return Unexpected(std::string(std::strerror(errno)));
  if (::bind(fd.get(), addr, addr_len) != 0 ||
      ::listen(fd.get(), kBacklog) != 0)
    return Unexpected(std::string(std::strerror(errno)));
  return fd;
}

}  // namespace

Result<UniqueFd, std::string> listen_tcp(std::string_view spec) {
  const std::string prefix = "cannot listen on " + std::string(spec) + ": ";
  auto endpoint = parse(spec);
  if (!endpoint)
    return Unexpected(prefix + endpoint.error());
  // Numeric only, with inet_pton rather than getaddrinfo: no resolver,
  // and nothing of glibc's NSS, which a static capbox cannot load.
  const auto port = static_cast<uint16_t>(std::stoul(endpoint->port));
  Result<UniqueFd, std::string> fd = Unexpected(std::string());
  if (endpoint->family == AF_INET) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    ::inet_pton(AF_INET, endpoint->host.c_str(), &v4.sin_addr);  // parse()d
    fd = open_listener(AF_INET, reinterpret_cast<const sockaddr*>(&v4),
                       sizeof v4);
  } else {
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    if (::inet_pton(AF_INET6, endpoint->host.c_str(), &v6.sin6_addr) != 1)
      return Unexpected(prefix + "'" + endpoint->host +
                        "' is not a numeric IPv6 address");
    fd = open_listener(AF_INET6, reinterpret_cast<const sockaddr*>(&v6),
                       sizeof v6);
  }
  if (!fd)
    return Unexpected(prefix + fd.error());
  return fd;
}

}  // namespace capbox::cli
