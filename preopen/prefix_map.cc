// SPDX-License-Identifier: Apache-2.0
// The preopen map and its lookup: the C ABI of capbox_preopen.h. Lexical
// only (no syscalls, no symlinks); containment is the broker's job. No C++
// exceptions or RTTI, and no libstdc++ allocation: ENOMEM must come back as
// an errno, so the map uses malloc/realloc and every failure leaves it as
// it was.
#include "preopen/prefix_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "preopen/include/capbox_preopen.h"

static_assert(capbox::preopen::kPathMax == CAPBOX_PREOPEN_PATH_MAX);

struct capbox_preopen_entry {
  char* name;  // normalised, NUL-terminated
  size_t len;
  int dirfd;
  uint64_t rights;
};

struct capbox_preopen_map {
  capbox_preopen_entry* entries;  // in map_add order (index = position)
  size_t count;
  size_t capacity;
  char cwd[capbox::preopen::kPathMax];  // normalised, absolute
  size_t cwd_len;
};

namespace capbox::preopen {

namespace {

// Room for the NUL. find's relative path is at least one byte shorter than
// the normalised path (it drops the guest name's "/"), so a trailing slash
// added there always fits too.
constexpr size_t kMaxNormLen = kPathMax - 1;

void append_one(NormPath& out, const char* comp, size_t n) {
  if (n == 0 || (n == 1 && comp[0] == '.')) {
    out.dir_hint = true;
    return;
  }
  bool dotdot = n == 2 && comp[0] == '.' && comp[1] == '.';
  if (out.overflow > 0) {
    // Components past the buffer are only counted, so a later ".." can
    // still bring the path back under the limit, as it would in the kernel.
    out.overflow = dotdot ? out.overflow - 1 : out.overflow + 1;
    out.dir_hint = dotdot;
    return;
  }
  if (dotdot) {
    // Lexical parent: at "/" this stays "/", so nothing climbs above the
    // root; preopens are matched only after the whole path is folded.
    while (out.len > 1 && out.buf[out.len - 1] != '/')
      --out.len;
    if (out.len > 1)
      --out.len;
    out.buf[out.len] = '\0';
    out.dir_hint = true;
    return;
  }
  out.dir_hint = false;
  size_t sep = out.len > 1 ? 1 : 0;
  if (out.len + sep + n > kMaxNormLen) {
    out.overflow = 1;
    return;
  }
  if (sep)
    out.buf[out.len++] = '/';
  memcpy(out.buf + out.len, comp, n);
  out.len += n;
  out.buf[out.len] = '\0';
}

// The longest preopen whose name is `norm` or a prefix of it ending on a
// component boundary ("/data" covers "/data/x", not "/data2/x").
const capbox_preopen_entry* longest_match(const capbox_preopen_map* map,
                                          const NormPath& norm,
                                          size_t* index) {
  const capbox_preopen_entry* best = nullptr;
  for (size_t i = 0; i < map->count; ++i) {
    const capbox_preopen_entry& e = map->entries[i];
    if (e.len > norm.len || (best && e.len <= best->len))
      continue;
    if (memcmp(e.name, norm.buf, e.len) != 0)
      continue;
    bool boundary = e.len == 1 || e.len == norm.len || norm.buf[e.len] == '/';
    if (boundary) {
      best = &e;
      *index = i;
    }
  }
  return best;
}

// Folds `path` (absolute, or relative to the map's cwd) into `norm`.
int normalise(const capbox_preopen_map* map, const char* path, NormPath& norm) {
  if (!path) {
    errno = EFAULT;
    return -1;
  }
  if (path[0] == '\0') {
    errno = ENOENT;
    return -1;
  }
  if (strnlen(path, kPathMax) == kPathMax) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (path[0] == '/') {
    norm.buf[0] = '/';
    norm.len = 1;
  } else {
    memcpy(norm.buf, map->cwd, map->cwd_len);
    norm.len = map->cwd_len;
  }
  norm.buf[norm.len] = '\0';
  norm.dir_hint = false;
  norm.overflow = 0;
  if (!append_components(norm, path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

}  // namespace

bool append_components(NormPath& out, const char* path) {
  const char* p = path;
  if (*p == '/')
    ++p;
  while (true) {
    const char* end = strchrnul(p, '/');
    append_one(out, p, static_cast<size_t>(end - p));
    if (*end == '\0')
      return out.overflow == 0;
    p = end + 1;
  }
}

bool has_dot_component(const char* path) {
  for (const char* p = path;;) {
    const char* end = strchrnul(p, '/');
    size_t n = static_cast<size_t>(end - p);
    if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
      return true;
    if (*end == '\0')
      return false;
    p = end + 1;
  }
}

}  // namespace capbox::preopen

using capbox::preopen::kPathMax;
using capbox::preopen::NormPath;

extern "C" {

capbox_preopen_map* capbox_preopen_map_new(void) {
  auto* map =
      static_cast<capbox_preopen_map*>(calloc(1, sizeof(capbox_preopen_map)));
  if (!map) {
    errno = ENOMEM;
    return nullptr;
  }
  map->cwd[0] = '/';
  map->cwd_len = 1;
  return map;
}

void capbox_preopen_map_free(capbox_preopen_map* map) {
  if (!map)
    return;
  for (size_t i = 0; i < map->count; ++i)
    free(map->entries[i].name);
  free(map->entries);
  free(map);
}

size_t capbox_preopen_map_size(const capbox_preopen_map* map) {
  return map ? map->count : 0;
}

int capbox_preopen_map_add(capbox_preopen_map* map,
                           const char* guest_name,
                           int dirfd,
                           uint64_t rights) {
  if (!map || !guest_name || guest_name[0] != '/' ||
      capbox::preopen::has_dot_component(guest_name)) {
    errno = EINVAL;
    return -1;
  }
  if (dirfd < 0) {
    errno = EBADF;
    return -1;
  }
  char buf[kPathMax];
  NormPath norm{buf, 1, false, 0};
  buf[0] = '/';
  buf[1] = '\0';
  if (strnlen(guest_name, kPathMax) == kPathMax ||
      !capbox::preopen::append_components(norm, guest_name)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (size_t i = 0; i < map->count; ++i) {
    if (map->entries[i].len == norm.len &&
        memcmp(map->entries[i].name, buf, norm.len) == 0) {
      errno = EEXIST;
      return -1;
    }
  }
  char* name = strndup(buf, norm.len);
  if (!name) {
    errno = ENOMEM;
    return -1;
  }
  if (map->count == map->capacity) {
    size_t cap = map->capacity ? map->capacity * 2 : 4;
    void* grown = realloc(map->entries, cap * sizeof(capbox_preopen_entry));
    if (!grown) {
      free(name);
      errno = ENOMEM;
      return -1;
    }
    map->entries = static_cast<capbox_preopen_entry*>(grown);
    map->capacity = cap;
  }
  map->entries[map->count++] = {name, norm.len, dirfd, rights};
  return 0;
}

int capbox_preopen_find(const capbox_preopen_map* map,
                        const char* path,
                        capbox_preopen_relpath* out) {
  if (!map || !out) {
    errno = EINVAL;
    return -1;
  }
  char buf[kPathMax];
  NormPath norm{buf, 0, false, 0};
  if (capbox::preopen::normalise(map, path, norm) != 0)
    return -1;
  size_t index = 0;
  const capbox_preopen_entry* e =
      capbox::preopen::longest_match(map, norm, &index);
  if (!e) {
    errno = ENOENT;
    return -1;
  }
  const char* rest = buf + e->len;
  if (*rest == '/')
    ++rest;
  size_t n = norm.len - static_cast<size_t>(rest - buf);
  if (n == 0) {
    out->relative_path[0] = '.';
    out->relative_path[1] = '\0';
  } else {
    // n < norm.len < kPathMax, so the slash and NUL always fit.
    memcpy(out->relative_path, rest, n);
    if (norm.dir_hint)
      out->relative_path[n++] = '/';
    out->relative_path[n] = '\0';
  }
  out->dirfd = e->dirfd;
  out->index = index;
  out->rights = e->rights;
  out->guest_name = e->name;
  return 0;
}

int capbox_preopen_chdir(capbox_preopen_map* map, const char* path) {
  if (!map) {
    errno = EINVAL;
    return -1;
  }
  char buf[kPathMax];
  NormPath norm{buf, 0, false, 0};
  if (capbox::preopen::normalise(map, path, norm) != 0)
    return -1;
  size_t index = 0;
  if (!capbox::preopen::longest_match(map, norm, &index)) {
    errno = ENOENT;
    return -1;
  }
  memcpy(map->cwd, buf, norm.len + 1);
  map->cwd_len = norm.len;
  return 0;
}

ssize_t capbox_preopen_getcwd(const capbox_preopen_map* map,
                              char* buf,
                              size_t size) {
  if (!map || !buf) {
    errno = EINVAL;
    return -1;
  }
  if (size <= map->cwd_len) {
    errno = ERANGE;
    return -1;
  }
  memcpy(buf, map->cwd, map->cwd_len + 1);
  return static_cast<ssize_t>(map->cwd_len);
}

}  // extern "C"
