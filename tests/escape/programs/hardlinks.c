// SPDX-License-Identifier: Apache-2.0
// Hard links: the guest tries to give a file outside the grant /sandbox a
// name inside (the old path climbs, is absolute, goes through a symlink the
// runner or the guest made, or follows a last-component symlink out), and
// to give an inside file a name outside. argv[1] is the host directory
// holding sandbox/ and outside/. The runner checks outside's link counts.
//
// sandbox/pre_hard.txt is a hard link the runner made to outside/shared.txt:
// the same inode under a name inside the grant. Reading and writing it is
// allowed by design, as in every capability system (a capability is a
// name, and whoever can write into the tree can be handed any inode); what
// the guest must not do is make such a link itself, which is tested here.
#include <fcntl.h>
#include <unistd.h>

#include "../../wasi/programs/common.h"

enum { kPreopen = 3 };

static void try_link(const char* label,
                     int follow,
                     const char* old_path,
                     const char* new_path) {
  SHOW_WASI(label, __wasi_path_link(
                       kPreopen, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0,
                       old_path, kPreopen, new_path));
}

static void show_read(const char* label, const char* path) {
  int fd = SHOW(label, open(path, O_RDONLY));
  if (fd >= 0) {
    char buf[64] = {0};
    read(fd, buf, sizeof buf - 1);
    printf("  read [%s]\n", buf);
    close(fd);
  }
}

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  char abs_secret[256], abs_out[256];
  snprintf(abs_secret, sizeof abs_secret, "%s/outside/secret.txt", argv[1]);
  snprintf(abs_out, sizeof abs_out, "%s/outside/h_abs", argv[1]);
  SHOW("symlink g_file", symlink("../outside/secret.txt", "/sandbox/g_file"));
  SHOW("symlink g_dir", symlink("../outside", "/sandbox/g_dir"));
  SHOW("symlink g_deep",
       symlink("sub/../../outside/other.txt", "/sandbox/g_deep"));

  // Sources outside, new names inside.
  SHOW("libc link ../outside/secret.txt",
       link("/sandbox/../outside/secret.txt", "/sandbox/h1"));
  try_link("link ../outside/secret.txt", 0, "../outside/secret.txt", "h2");
  try_link("link sub/../../outside/secret.txt", 0,
           "sub/../../outside/secret.txt", "h3");
  try_link("link absolute source", 0, abs_secret, "h4");
  try_link("link r_dir/secret.txt", 0, "r_dir/secret.txt", "h5");
  try_link("link g_dir/secret.txt", 0, "g_dir/secret.txt", "h6");
  try_link("link following r_file", 1, "r_file", "h7");
  try_link("link following r_abs", 1, "r_abs", "h8");
  try_link("link following g_file", 1, "g_file", "h9");
  try_link("link following g_deep", 1, "g_deep", "h10");
  try_link("link following r_dir/../outside/secret.txt", 1,
           "r_dir/../outside/secret.txt", "h11");
  // Without follow the new name is one more link to the symlink itself,
  // which still leads nowhere.
  try_link("link r_file itself", 0, "r_file", "h_link");
  show_read("open h_link", "/sandbox/h_link");

  // Sources inside, new names outside.
  try_link("link to ../outside/h_out", 0, "inside.txt", "../outside/h_out");
  try_link("link to absolute", 0, "inside.txt", abs_out);
  try_link("link to r_dir/h_out", 0, "inside.txt", "r_dir/h_out");
  try_link("link to g_dir/h_out", 0, "inside.txt", "g_dir/h_out");
  try_link("link to sub/../../outside/h_out", 0, "inside.txt",
           "sub/../../outside/h_out");

  // What is allowed: a new name inside for an inside file; and the
  // runner's own hard link (see the header comment).
  try_link("link inside.txt to sub/h_ok", 0, "inside.txt", "sub/h_ok");
  show_read("open sub/h_ok", "/sandbox/sub/h_ok");
  show_read("open pre_hard.txt", "/sandbox/pre_hard.txt");
  return 0;
}
