// SPDX-License-Identifier: Apache-2.0
// The component walk: beneath-resolution where openat2 is missing (Linux
// before 5.6), after cap-std's manually::open and WAMR's path_get. The
// kernel opens one component at a time with O_NOFOLLOW; symlinks are read
// and their text spliced into the path still to walk. Depends on libc only.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "broker/resolve_internal.h"

namespace capbox::broker::internal {
namespace {

// Invariants:
//  - every descriptor on `stack_` is a directory reached from `root_` by
//    the components walked so far, and stack_.back() (or root_ when the
//    stack is empty) is where the next component is looked up;
//  - `..` pops the stack and never asks the kernel, so it cannot climb past
//    `root_`: popping an empty stack is the escape (EPERM);
//  - no lookup ever follows a symlink: openat always has O_NOFOLLOW, and a
//    link's text is walked here like any other path, never absolute.
class Walker {
 public:
  Walker(int root, int flags, mode_t mode)
      : root_(root), flags_(flags), mode_(mode) {}

  Result<UniqueFd, int> run(std::string_view path);

 private:
  int cur() const { return stack_.empty() ? root_ : stack_.back().get(); }
  bool is_symlink(const std::string& name) const;
  // Pushes path's components so the first is walked next.
  void push_components(std::string_view path);
  Result<void, int> follow(const std::string& name);
  Result<void, int> enter(const std::string& name);
  // The last component: a descriptor, an error, or (empty fd, no error)
  // when it was a symlink and its text now waits on `pending_`.
  Result<UniqueFd, int> open_last(const std::string& name);

  int root_;
  int flags_;
  mode_t mode_;
  std::vector<UniqueFd> stack_;
  std::vector<std::string> pending_;  // the next component is at the back
  bool trailing_slash_ = false;       // the last component must be a dir
  int links_ = 0;
};

bool Walker::is_symlink(const std::string& name) const {
  struct stat st {};
  return ::fstatat(cur(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISLNK(st.st_mode);
}

void Walker::push_components(std::string_view path) {
  size_t end = path.size();
  while (end > 0) {
    size_t slash = path.rfind('/', end - 1);
    size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    if (begin < end)
      pending_.emplace_back(path.substr(begin, end - begin));
    if (slash == std::string_view::npos)
      break;
    end = slash;
  }
}

Result<void, int> Walker::follow(const std::string& name) {
  if (++links_ > kMaxSymlinks)
    return Unexpected(ELOOP);
  auto target = read_link_beneath(cur(), name);
  if (!target)
    return Unexpected(target.error());
  // A link that is the last component passes its own trailing slash on.
  if (pending_.empty() && target->back() == '/')
    trailing_slash_ = true;
  push_components(*target);
  return {};
}

Result<void, int> Walker::enter(const std::string& name) {
  int fd = ::openat(cur(), name.c_str(),
                    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    stack_.emplace_back(fd);
    return {};
  }
  int err = errno;
  // O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR.
  if ((err == ENOTDIR || err == ELOOP) && is_symlink(name))
    return follow(name);
  return Unexpected(err);
}

Result<UniqueFd, int> Walker::open_last(const std::string& name) {
  // Linux: a trailing slash follows a last symlink even under O_NOFOLLOW,
  // and O_CREAT with one is EISDIR whatever the name is.
  bool may_follow = trailing_slash_ || !(flags_ & O_NOFOLLOW);
  if (trailing_slash_ && (flags_ & O_CREAT))
    return Unexpected(EISDIR);
  int flags = flags_ | O_NOFOLLOW | (trailing_slash_ ? O_DIRECTORY : 0);
  UniqueFd fd(::openat(cur(), name.c_str(), flags, mode_));
  if (fd.valid()) {
    struct stat st {};
    // Only O_PATH | O_NOFOLLOW opens a symlink itself.
    if (!may_follow || !(flags_ & O_PATH))
      return fd;
    if (::fstat(fd.get(), &st) != 0)
      return Unexpected(errno);
    if (!S_ISLNK(st.st_mode))
      return fd;
  } else {
    int err = errno;
    if (!may_follow || (err != ELOOP && err != ENOTDIR) || !is_symlink(name))
      return Unexpected(err);
  }
  auto followed = follow(name);
  if (!followed)
    return Unexpected(followed.error());
  return UniqueFd();
}

Result<UniqueFd, int> Walker::run(std::string_view path) {
  trailing_slash_ = path.back() == '/';
  push_components(path);
  while (!pending_.empty()) {
    std::string name = std::move(pending_.back());
    pending_.pop_back();
    bool last = pending_.empty();
    if (name == "..") {
      if (stack_.empty())
        return Unexpected(EPERM);  // climbing above the root
      stack_.pop_back();
    }
    if (name == "." || name == "..") {
      if (!last)
        continue;
      int fd = ::openat(cur(), ".", flags_, mode_);
      if (fd < 0)
        return Unexpected(errno);
      return UniqueFd(fd);
    }
    if (!last) {
      if (auto entered = enter(name); !entered)
        return Unexpected(entered.error());
      continue;
    }
    auto opened = open_last(name);
    if (!opened || opened->valid())
      return opened;
  }
  // Unreachable: a checked path has a component, and so has a link's text.
  return Unexpected(ENOENT);
}

}  // namespace

Result<UniqueFd, int> open_beneath_walk(int dirfd,
                                        std::string_view path,
                                        int flags,
                                        mode_t mode) {
  return Walker(dirfd, flags, mode).run(path);
}

}  // namespace capbox::broker::internal
