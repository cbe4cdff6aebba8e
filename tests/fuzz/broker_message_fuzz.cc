// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for broker/message.h, the supervisor's first contact
// with bytes a compromised child wrote: each input is decoded as a request
// and as a reply. Sanitizers catch any out-of-bounds read; a message that
// decodes must encode back to exactly the same bytes (the decoder accepts
// nothing the encoder could not have produced, so no two encodings mean
// one thing). Built only with -Dfuzzing=true and clang (see run.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "broker/message.h"

namespace {

using namespace capbox::broker;

uint8_t g_out[kMaxMessage];

void check_same(const char* what,
                const uint8_t* data,
                size_t size,
                size_t encoded_size) {
  if (encoded_size != size || std::memcmp(g_out, data, size) != 0) {
    std::fprintf(stderr, "broker_message_fuzz: %s does not round-trip\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  if (auto request = decode_request(in)) {
    auto encoded = encode_request(*request, g_out);
    if (!encoded)
      check_same("request (encoder refused)", data, size, 0);
    else
      check_same("request", data, size, *encoded);
  }
  if (auto reply = decode_reply(in)) {
    auto encoded = encode_reply(*reply, g_out);
    if (!encoded)
      check_same("reply (encoder refused)", data, size, 0);
    else
      check_same("reply", data, size, *encoded);
  }
  return 0;
}
