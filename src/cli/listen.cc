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

// The socket address, parsed once (numeric only, with inet_pton rather
// than getaddrinfo: no resolver, and nothing of glibc's NSS, which a static
// capbox cannot load).
struct Endpoint {
  int family = AF_INET;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
};

// The parse error alone; the caller adds the spec.
Result<Endpoint, std::string> parse(std::string_view spec) {
  Endpoint out;
  std::string host;
  std::string_view port;
  if (spec.starts_with('[')) {
    const size_t close = spec.find("]:");
    if (close == std::string_view::npos)
      return Unexpected(
          std::string("expected [IPv6]:PORT, such as [::1]:8080"));
    host = spec.substr(1, close - 1);
    out.family = AF_INET6;
    port = spec.substr(close + 2);
  } else {
    const size_t colon = spec.rfind(':');
    if (colon == std::string_view::npos)
      return Unexpected(
          std::string("expected ADDR:PORT, such as 127.0.0.1:8080"));
    host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return Unexpected(
          std::string("an IPv6 address needs brackets, such as [::1]:8080"));
  }
  if (host.empty())
    return Unexpected(std::string(
        "no address before the port (0.0.0.0 means every IPv4 address)"));
  if (host == "localhost")
    host = "127.0.0.1";
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoul(std::string(port)) > 65535)
    return Unexpected("bad port '" + std::string(port) +
                      "' (expected 0 to 65535)");
  const auto port_number =
      htons(static_cast<uint16_t>(std::stoul(std::string(port))));
  // inet_pton, unlike inet_aton, takes no shorthands ("127.1").
  if (out.family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.addr);
    v4->sin_family = AF_INET;
    v4->sin_port = port_number;
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1)
      return Unexpected("'" + host + "' is not a numeric IPv4 address");
    out.addr_len = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = port_number;
    if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1)
      return Unexpected("'" + host + "' is not a numeric IPv6 address");
    out.addr_len = sizeof *v6;
  }
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
  auto fd = open_listener(endpoint->family,
                          reinterpret_cast<const sockaddr*>(&endpoint->addr),
                          endpoint->addr_len);
  if (!fd)
    return Unexpected(prefix + fd.error());
  return fd;
}

}  // namespace capbox::cli
