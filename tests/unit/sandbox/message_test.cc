// SPDX-License-Identifier: Apache-2.0
// broker/message.h: every op round-trips, and each way a message can be
// wrong (short, long, bad magic or version, unknown op, lengths that lie,
// NUL in a path, fields or flags the op does not take) is refused.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "broker/message.h"

namespace capbox::broker {
namespace {

std::vector<uint8_t> encoded(const Request& r) {
  std::vector<uint8_t> out(kMaxMessage);
  auto size = encode_request(r, out);
  REQUIRE(size.has_value());
  out.resize(*size);
  return out;
}

Request rename_request() {
  Request r;
  r.op = Op::Rename;
  r.seq = 7;
  r.fields.dir = 3;
  r.fields.dir2 = 4;
  r.path = "a/b";
  r.path2 = "c";
  return r;
}

template <typename T>
void poke(std::vector<uint8_t>& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

std::string why(const std::vector<uint8_t>& bytes) {
  auto decoded = decode_request(bytes);
  return decoded ? "accepted" : decoded.error();
}

constexpr size_t kFields = sizeof(Header);

TEST_CASE("a request round-trips with its paths and fields") {
  auto bytes = encoded(rename_request());
  CHECK(bytes.size() == sizeof(Header) + sizeof(RequestFields) + 4);
  auto r = decode_request(bytes);
  REQUIRE(r.has_value());
  CHECK(r->op == Op::Rename);
  CHECK(r->seq == 7);
  CHECK(r->fields.dir == 3);
  CHECK(r->fields.dir2 == 4);
  CHECK(r->path == "a/b");
  CHECK(r->path2 == "c");
}

TEST_CASE("every op's name is known and set_times carries both times") {
  for (uint16_t op = kFirstOp; op <= kLastOp; ++op)
    CHECK(std::string(op_name(static_cast<Op>(op))) != "unknown");
  CHECK(std::string(op_name(static_cast<Op>(kLastOp + 1))) == "unknown");
  Request r;
  r.op = Op::SetTimes;
  r.fields.dir = 1;
  r.fields.flags = kFollow;
  r.fields.atime = {12, 999999999, kTimeSet};
  r.fields.mtime = {0, 0, kTimeNow};
  r.path = "f";
  auto d = decode_request(encoded(r));
  REQUIRE(d.has_value());
  CHECK(d->fields.atime.sec == 12);
  CHECK(d->fields.atime.nsec == 999999999);
  CHECK(d->fields.mtime.kind == kTimeNow);
}

TEST_CASE("the encoder refuses what the decoder would refuse") {
  std::vector<uint8_t> out(kMaxMessage);
  Request r = rename_request();
  r.path = std::string_view("a\0b", 3);
  CHECK(encode_request(r, out).error() == EINVAL);
  r = rename_request();
  r.op = Op::Mkdir;  // takes one path
  CHECK(encode_request(r, out).error() == EINVAL);
  std::string long_path(kMaxPath + 1, 'x');
  r = rename_request();
  r.path = long_path;
  CHECK(encode_request(r, out).error() == ENAMETOOLONG);
  r = rename_request();
  CHECK(encode_request(r, std::span(out).first(20)).error() == ENOBUFS);
}

TEST_CASE("the longest paths fit in kMaxMessage") {
  std::string path(kMaxPath, 'x');
  Request r = rename_request();
  r.path = path;
  r.path2 = path;
  CHECK(encoded(r).size() == kMaxRequest);
}

TEST_CASE("truncated and padded messages are refused") {
  auto bytes = encoded(rename_request());
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
    CHECK_MESSAGE(!decode_request(cut), "length ", n);
  }
  bytes.push_back(0);
  CHECK(why(bytes) == "payload length does not match the message");
}

TEST_CASE("each header field is checked") {
  auto good = encoded(rename_request());
  auto bytes = good;
  poke<uint32_t>(bytes, offsetof(Header, magic), 0x12345678);
  CHECK(why(bytes) == "bad magic");
  bytes = good;
  poke<uint16_t>(bytes, offsetof(Header, version), kVersion + 1);
  CHECK(why(bytes) == "unsupported protocol version");
  for (uint16_t op : {uint16_t{0}, uint16_t{kLastOp + 1}, uint16_t{0xffff}}) {
    bytes = good;
    poke<uint16_t>(bytes, offsetof(Header, op), op);
    CHECK(why(bytes) == "unknown op");
  }
  bytes = good;
  poke<uint32_t>(bytes, offsetof(Header, payload_len), 0xffffffff);
  CHECK(why(bytes) == "payload length does not match the message");
}

TEST_CASE("path lengths that lie are refused, even huge ones") {
  auto good = encoded(rename_request());
  auto bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, path_len), 2);
  CHECK(why(bytes) == "path lengths do not match the message");
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, path_len),
                 0xfffffffe);
  CHECK(why(bytes) == "path longer than kMaxPath");
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, path2_len),
                 0xffffffff);
  CHECK(why(bytes) == "path longer than kMaxPath");
}

TEST_CASE("fields, flags and paths an op does not take are refused") {
  auto good = encoded(rename_request());
  auto bytes = good;
  poke<uint8_t>(bytes, kFields + sizeof(RequestFields) + 1, 0);
  CHECK(why(bytes) == "NUL byte in a path");
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, mode), 1);
  CHECK(why(bytes) == "mode without kMode");
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, flags), kFollow);
  CHECK(why(bytes) == "flags outside the op's mask");
  bytes = good;
  poke<uint64_t>(bytes, kFields + offsetof(RequestFields, size), 5);
  CHECK(why(bytes) == "size the op does not take");
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, atime.kind), 1);
  CHECK(why(bytes) == "times the op does not take");

  Request open;
  open.op = Op::Open;
  open.fields.dir = 1;
  open.fields.flags = kOpenRead;
  open.path = "f";
  good = encoded(open);
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, flags), 1u << 12);
  CHECK(why(bytes) == "flags outside the op's mask");
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, dir2), 9);
  CHECK(why(bytes) == "handle the op does not take");

  Request hello;
  hello.op = Op::Hello;
  good = encoded(hello);
  bytes = good;
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, dir), 1);
  CHECK(why(bytes) == "handle the op does not take");
}

TEST_CASE("a mode comes only with kMode, in 0777, where the op takes one") {
  std::vector<uint8_t> out(kMaxMessage);
  Request r;
  r.op = Op::Open;
  r.fields.dir = 1;
  r.path = "f";
  r.fields.flags = kOpenWrite | kOpenCreate | kMode;
  r.fields.mode = 0640;
  auto bytes = encoded(r);
  auto decoded = decode_request(bytes);
  REQUIRE(decoded.has_value());
  CHECK(decoded->fields.mode == 0640);
  r.fields.mode = 0;  // mode 0 is a mode too
  CHECK(encode_request(r, out).has_value());
  r.fields.mode = 04755;
  CHECK(encode_request(r, out).error() == EINVAL);
  r.fields.mode = 01777;
  CHECK(encode_request(r, out).error() == EINVAL);
  r.fields.flags = kOpenWrite | kMode;
  r.fields.mode = 0600;
  CHECK(encode_request(r, out).error() == EINVAL);
  r.fields.flags = kOpenWrite | kOpenCreate;
  CHECK(encode_request(r, out).error() == EINVAL);

  bytes = encoded(rename_request());
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, flags), kMode);
  CHECK(why(bytes) == "flags outside the op's mask");

  Request mkdir;
  mkdir.op = Op::Mkdir;
  mkdir.fields.dir = 1;
  mkdir.path = "d";
  CHECK(encode_request(mkdir, out).has_value());
  mkdir.fields.flags = kMode;
  mkdir.fields.mode = 0750;
  bytes = encoded(mkdir);
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, mode), 01000);
  CHECK(why(bytes) == "mode bits outside 0777");

  Request chmod;
  chmod.op = Op::Chmod;
  chmod.fields.dir = 1;
  chmod.path = "f";
  CHECK(encode_request(chmod, out).error() == EINVAL);
  chmod.fields.flags = kMode | kFollow;
  chmod.fields.mode = 0604;
  bytes = encoded(chmod);
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, flags), kFollow);
  CHECK(why(bytes) == "mode without kMode");
  poke<uint32_t>(bytes, kFields + offsetof(RequestFields, mode), 0);
  CHECK(why(bytes) == "chmod without a mode");
}

TEST_CASE("times must be well formed") {
  Request r;
  r.op = Op::SetTimes;
  r.fields.dir = 1;
  r.path = "f";
  std::vector<uint8_t> out(kMaxMessage);
  r.fields.atime = {0, 1000000000, kTimeSet};
  CHECK(encode_request(r, out).error() == EINVAL);
  r.fields.atime = {5, 0, kTimeNow};
  CHECK(encode_request(r, out).error() == EINVAL);
  r.fields.atime = {0, 0, 3};
  CHECK(encode_request(r, out).error() == EINVAL);
}

TEST_CASE("replies round-trip and are checked") {
  std::vector<uint8_t> out(kMaxMessage);
  Reply reply;
  reply.op = Op::Readlink;
  reply.seq = 2;
  reply.data = "target";
  auto size = encode_reply(reply, out);
  REQUIRE(size.has_value());
  auto d = decode_reply(std::span(out).first(*size));
  REQUIRE(d.has_value());
  CHECK(d->data == "target");
  CHECK(!decode_reply(std::span(out).first(*size - 1)));

  reply.fields.status = 1;
  CHECK(encode_reply(reply, out).error() == EINVAL);
  reply.fields.status = -ENOENT;  // a failure carries nothing
  CHECK(encode_reply(reply, out).error() == EINVAL);
  reply = Reply{};
  reply.op = Op::Open;
  reply.fields.flags = kReplyDir;  // a directory without its fd and handle
  CHECK(encode_reply(reply, out).error() == EINVAL);
  reply.fields.flags = kReplyDir | kReplyFd;
  reply.fields.handle = 4;
  CHECK(encode_reply(reply, out).has_value());
  reply.fields.rights = 1;  // only preopens carry rights
  CHECK(encode_reply(reply, out).error() == EINVAL);
  reply.fields.rights = 0;
  reply.fields.stat.size = 1;  // only stat carries stat data
  CHECK(encode_reply(reply, out).error() == EINVAL);
}

}  // namespace
}  // namespace capbox::broker
