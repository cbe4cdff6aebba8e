// SPDX-License-Identifier: Apache-2.0
// Renames out of the grant /sandbox and into it from outside: files and
// directories, through `..`, through symlinked directories the runner made
// (r_dir absolute, r_reldir relative, r_empty to an empty directory) or the
// guest makes (g_dir), with absolute paths raw and through wasi-libc, and
// with a trailing slash that makes Linux follow a last symlink. argv[1] is
// the host directory holding sandbox/ and outside/; the runner compares
// the whole tree afterwards. Depends on wasi-libc.
#include <stdio.h>
#include <unistd.h>

#include "../../wasi/programs/common.h"

enum { kPreopen = 3 };

static void try_rename(const char* from, const char* to) {
  char label[600];
  snprintf(label, sizeof label, "rename %s -> %s", from, to);
  SHOW_WASI(label, __wasi_path_rename(kPreopen, from, kPreopen, to));
}

static void files_out(const char* host) {
  char abs_file[256];
  snprintf(abs_file, sizeof abs_file, "%s/outside/f1", host);
  SHOW("libc rename f1 -> /sandbox/../outside/f1",
       rename("/sandbox/f1", "/sandbox/../outside/f1"));
  SHOW("libc rename f1 -> /outside/f1", rename("/sandbox/f1", "/outside/f1"));
  try_rename("f1", "../outside/f1");
  try_rename("f1", "../f1");
  try_rename("f1", "sub/../../outside/f1");
  try_rename("f1", "./sub/.././../outside/f1");
  try_rename("f1", "../sandbox/f1_back");
  try_rename("f1", abs_file);
  try_rename("f1", "r_dir/f1");
  try_rename("f1", "r_reldir/f1");
  try_rename("f1", "g_dir/f1");
  // Lexically g_dir/.. is the grant; in the host it is outside's parent.
  try_rename("f1", "g_dir/../f1_back");
  try_rename("f1", "sub/../f1_kept");
}

static void dirs_out(const char* host) {
  char abs_dir[256];
  snprintf(abs_dir, sizeof abs_dir, "%s/outside/dir1", host);
  try_rename("dir1", "..");
  try_rename("dir1", "../dir1");
  try_rename("dir1", "../outside/dir1");
  try_rename("dir1", abs_dir);
  try_rename("dir1", "r_dir/dir1");
  try_rename("dir1", "g_dir/dir1");
  try_rename("dir1/", "g_dir/dir1/");
  try_rename("sub/dir3", "../../outside/dir3");
  try_rename("sub/dir3", "sub/../../dir3");
  try_rename("sub/dir3", "../sandbox/dir3");
  try_rename("dir2", "r_empty/");
  try_rename("dir2", "g_dir/empty");
  try_rename("dir2", "r_reldir/empty/");
  try_rename(".", "../moved_root");
  try_rename("sub", "g_dir/sub");
}

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  SHOW("symlink g_dir", symlink("../outside", "/sandbox/g_dir"));
  files_out(argv[1]);
  dirs_out(argv[1]);
  // Into the grant from outside.
  try_rename("../outside/odir", "stolen1");
  try_rename("g_dir/odir", "stolen2");
  try_rename("r_dir/secret.txt", "stolen3");
  try_rename("r_reldir/odir/", "stolen4/");
  try_rename("g_dir/../outside/secret.txt", "stolen5");

  // Renaming a link renames the link: lnk_out is replaced by a plain
  // file, g_dir moves and still leads nowhere.
  try_rename("f2", "lnk_out");
  try_rename("g_dir", "sub/g_dir_moved");
  try_rename("f3", "sub/g_dir_moved/f3");
  return 0;
}
