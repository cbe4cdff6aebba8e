// SPDX-License-Identifier: Apache-2.0
// Runs `wat2wasm` on a temporary file and reads the binary back. Test-only.
#include "wat.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace capbox::engine::testing {

std::vector<uint8_t> wat_to_wasm(std::string_view wat, bool validate) {
  char dir_template[] = "/tmp/capbox-wat-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr)
    return {};
  std::string in = std::string(dir) + "/m.wat";
  std::string out = std::string(dir) + "/m.wasm";
  std::vector<uint8_t> bytes;
  {
    std::ofstream file(in, std::ios::binary);
    file.write(wat.data(), static_cast<std::streamsize>(wat.size()));
  }
  std::string command = "wat2wasm --enable-extended-const --enable-tail-call ";
  if (!validate)
    command += "--no-check ";
  command += "-o '" + out + "' '" + in + "' 2>&1";
  if (std::system(command.c_str()) == 0) {
    std::ifstream file(out, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(file),
                 std::istreambuf_iterator<char>());
  }
  unlink(in.c_str());
  unlink(out.c_str());
  rmdir(dir);
  return bytes;
}

}  // namespace capbox::engine::testing
