// SPDX-License-Identifier: Apache-2.0
// convert: turns every *.md (a Markdown subset: headings, paragraphs,
// lists, code blocks and spans, emphasis) and *.txt below /in into HTML
// below /out, same names with .html. Outputs are written in place, never
// through a temporary file and a rename, so the grant on /out needs write
// and create but neither delete nor rename; `--clean` (remove the old
// outputs first) asks for delete, and a refusal is reported, not fatal.
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int status;
static int converted;

static void escape(FILE* out, const char* s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
      case '&':
        fputs("&amp;", out);
        break;
      case '<':
        fputs("&lt;", out);
        break;
      case '>':
        fputs("&gt;", out);
        break;
      case '"':
        fputs("&quot;", out);
        break;
      default:
        putc(s[i], out);
    }
  }
}

// The closing `mark` (1 or 2 characters) at or after s+from, or NULL.
static const char* closing(const char* s,
                           size_t n,
                           size_t from,
                           const char* mark) {
  size_t m = strlen(mark);
  for (size_t i = from; i + m <= n; i++) {
    if (!memcmp(s + i, mark, m))
      return s + i;
  }
  return NULL;
}

// Emphasis nests by recursion; past kMaxNesting the marks stay literal,
// so no input can exhaust the (small, fixed) wasm stack.
enum { kMaxNesting = 8 };
static int nesting;

static void inline_span(FILE* out, const char* s, size_t n) {
  size_t i = 0;
  nesting++;
  while (i < n) {
    const char c = s[i];
    const char* end;
    if (c == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
      escape(out, s + i + 1, 1);
      i += 2;
    } else if (c == '`' && (end = closing(s, n, i + 1, "`"))) {
      fputs("<code>", out);
      escape(out, s + i + 1, end - s - i - 1);
      fputs("</code>", out);
      i = end - s + 1;
    } else if (nesting < kMaxNesting && c == '*' && i + 1 < n &&
               s[i + 1] == '*' && (end = closing(s, n, i + 2, "**")) &&
               end > s + i + 2) {
      fputs("<strong>", out);
      inline_span(out, s + i + 2, end - s - i - 2);
      fputs("</strong>", out);
      i = end - s + 2;
    } else if (nesting < kMaxNesting &&
               (c == '*' ||
                (c == '_' && (i == 0 || !isalnum((unsigned char)s[i - 1])))) &&
               (end = closing(s, n, i + 1, c == '*' ? "*" : "_")) &&
               end > s + i + 1) {
      fputs("<em>", out);
      inline_span(out, s + i + 1, end - s - i - 1);
      fputs("</em>", out);
      i = end - s + 1;
    } else {
      escape(out, s + i, 1);
      i++;
    }
  }
  nesting--;
}

enum Block { kNone, kPara, kList, kOrdered, kCode };

static enum Block close_block(FILE* out, enum Block b) {
  static const char* const ends[] = {"", "</p>\n", "</ul>\n", "</ol>\n",
                                     "</code></pre>\n"};
  fputs(ends[b], out);
  return kNone;
}

// The list item's text after "- ", "* ", "+ " or "12. ", or NULL.
static const char* list_item(const char* line, int* ordered) {
  if (strchr("-*+", line[0]) && line[0] && line[1] == ' ') {
    *ordered = 0;
    return line + 2;
  }
  const char* p = line;
  while (isdigit((unsigned char)*p))
    p++;
  if (p > line && p[0] == '.' && p[1] == ' ') {
    *ordered = 1;
    return p + 2;
  }
  return NULL;
}

static void markdown(FILE* out, char* text) {
  enum Block b = kNone;
  char* next;
  for (char* line = text; *line; line = next) {
    // Not strtok: it would skip the blank lines that end paragraphs.
    next = strchr(line, '\n');
    next = next ? (*next = '\0', next + 1) : line + strlen(line);
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r')
      line[--n] = '\0';
    size_t level = 0;
    int ordered;
    const char* item;
    while (level < n && level < 6 && line[level] == '#')
      level++;
    if (b == kCode) {
      if (!strncmp(line, "```", 3)) {
        b = close_block(out, b);
      } else {
        escape(out, line, n);
        putc('\n', out);
      }
    } else if (!strncmp(line, "```", 3)) {
      close_block(out, b);
      fputs("<pre><code>", out);
      b = kCode;
    } else if (strspn(line, " \t") == n) {
      b = close_block(out, b);
    } else if (level > 0 && line[level] == ' ') {
      b = close_block(out, b);
      fprintf(out, "<h%zu>", level);
      inline_span(out, line + level + 1, n - level - 1);
      fprintf(out, "</h%zu>\n", level);
    } else if ((item = list_item(line, &ordered))) {
      const enum Block want = ordered ? kOrdered : kList;
      if (b != want) {
        close_block(out, b);
        fputs(ordered ? "<ol>\n" : "<ul>\n", out);
        b = want;
      }
      fputs("<li>", out);
      inline_span(out, item, line + n - item);
      fputs("</li>\n", out);
    } else {
      if (b != kPara) {
        close_block(out, b);
        fputs("<p>", out);
        b = kPara;
      } else {
        putc('\n', out);
      }
      inline_span(out, line, n);
    }
  }
  close_block(out, b);
}

static char* slurp(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t len = 0, cap = 4096;
  char* buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (len + 1 == cap)
      buf = realloc(buf, cap *= 2);
  }
  if (buf && ferror(f)) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf)
    buf[len] = '\0';
  return buf;
}

static void convert_file(const char* src,
                         const char* dst,
                         const char* name,
                         int is_md) {
  char* text = slurp(src);
  if (!text) {
    fprintf(stderr, "convert: %s: %s\n", src, strerror(errno));
    status = 1;
    return;
  }
  // Straight to the final name: "w" creates or truncates, no rename.
  FILE* out = fopen(dst, "w");
  if (!out) {
    fprintf(stderr, "convert: %s: %s\n", dst, strerror(errno));
    status = 1;
    free(text);
    return;
  }
  fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", out);
  escape(out, name, strlen(name));
  fputs("</title></head>\n<body>\n", out);
  if (is_md) {
    markdown(out, text);
  } else {
    fputs("<pre>", out);
    escape(out, text, strlen(text));
    fputs("</pre>\n", out);
  }
  fputs("</body></html>\n", out);
  if (fclose(out) != 0) {
    fprintf(stderr, "convert: %s: %s\n", dst, strerror(errno));
    status = 1;
  } else {
    printf("%s -> %s\n", src, dst);
    converted++;
  }
  free(text);
}

static int by_name(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

// The entries of `dir` but . and .., sorted; *n is their count.
static char** list_dir(const char* dir, size_t* n) {
  DIR* d = opendir(dir);
  *n = 0;
  if (!d) {
    fprintf(stderr, "convert: %s: %s\n", dir, strerror(errno));
    status = 1;
    return NULL;
  }
  char** names = NULL;
  struct dirent* e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    names = realloc(names, (*n + 1) * sizeof *names);
    names[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, *n, sizeof *names, by_name);
  return names;
}

static void walk(const char* in, const char* out) {
  size_t n;
  char** names = list_dir(in, &n);
  for (size_t i = 0; i < n; i++) {
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/%s", in, names[i]);
    const char* dot = strrchr(names[i], '.');
    const size_t stem = dot ? (size_t)(dot - names[i]) : strlen(names[i]);
    struct stat st;
    if (lstat(src, &st) != 0) {
      fprintf(stderr, "convert: %s: %s\n", src, strerror(errno));
      status = 1;
    } else if (S_ISDIR(st.st_mode)) {
      snprintf(dst, sizeof dst, "%s/%s", out, names[i]);
      if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "convert: %s: %s\n", dst, strerror(errno));
        status = 1;
      } else {
        walk(src, dst);
      }
    } else if (S_ISREG(st.st_mode) && dot &&
               (!strcmp(dot, ".md") || !strcmp(dot, ".txt"))) {
      snprintf(dst, sizeof dst, "%s/%.*s.html", out, (int)stem, names[i]);
      convert_file(src, dst, names[i], !strcmp(dot, ".md"));
    }
    free(names[i]);
  }
  free(names);
}

// Removes the *.html files below `out`. Returns 0 when the grant refuses
// deletion (it stops at the first refusal: the rest would be refused too).
static int clean(const char* out) {
  size_t n;
  char** names = list_dir(out, &n);
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out, names[i]);
    const char* dot = strrchr(names[i], '.');
    struct stat st;
    if (ok && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      ok = clean(path);
    } else if (ok && dot && !strcmp(dot, ".html") && unlink(path) != 0) {
      fprintf(stderr, "convert: --clean: cannot remove %s: %s\n", path,
              strerror(errno));
      status = 1;
      ok = errno != ENOTCAPABLE;
    } else if (ok && dot && !strcmp(dot, ".html")) {
      printf("removed %s\n", path);
    }
    free(names[i]);
  }
  free(names);
  return ok;
}

int main(int argc, char** argv) {
  int want_clean = 0;
  const char* dirs[2] = {"/in", "/out"};
  int ndirs = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--clean")) {
      want_clean = 1;
    } else if (argv[i][0] != '-' && ndirs < 2) {
      dirs[ndirs++] = argv[i];
    } else {
      fprintf(stderr, "usage: convert [--clean] [IN_DIR [OUT_DIR]]\n");
      return 2;
    }
  }
  if (want_clean && !clean(dirs[1]))
    fprintf(stderr,
            "convert: --clean refused (no right to delete in %s); "
            "old outputs are overwritten in place\n",
            dirs[1]);
  walk(dirs[0], dirs[1]);
  printf("%d file%s converted\n", converted, converted == 1 ? "" : "s");
  return status;
}
