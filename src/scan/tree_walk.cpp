// scan_tree: a work queue of folders and file batches drained by N threads, each with its
// own Hyperscan scratch and read buffer; findings and stats are merged when the threads end.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "scan/gitignore.h"
#include "scan/sources.h"

namespace gantry::scan {
namespace {

// Files over this size are mmap'ed; smaller ones are read() into the thread's buffer. Measured
// on this 2-core machine (warm cache, docs/scan.md "Speed"): read() wins up to ~96 KiB (15 µs vs
// 21 µs per file at 96 KiB: mmap pays for the mapping, page faults and munmap's TLB flush),
// they break even at 128 KiB, and mmap wins above (2.6x at 8 MiB: no copy).
constexpr std::size_t kMmapFromBytes = 128 * 1024;
constexpr std::size_t kSniffBytes = 8192;  // a NUL in here marks the file binary (as git does)
constexpr std::size_t kBatchFiles = 16;    // files per work item: small enough to spread a
                                           // big folder over the threads
constexpr int kMaxOpenDirs = 256;          // folders kept open for their queued files
constexpr std::size_t kDirBufferBytes = 32 * 1024;  // getdents64 buffer: hundreds of entries

// The kernel's getdents64 record (glibc has no wrapper type for the raw call).
struct LinuxDirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// An open folder shared by the queued batches of its files, which open relative to it: a
// one-component lookup instead of the whole path (path lookups were ~8% of a scan's CPU).
class DirHandle {
 public:
  // Takes ownership of fd.
  DirHandle(int fd, std::atomic<int>& open) : fd_(fd), open_(open) { ++open_; }
  ~DirHandle() {
    ::close(fd_);
    --open_;
  }
  DirHandle(const DirHandle&) = delete;
  DirHandle& operator=(const DirHandle&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
  std::atomic<int>& open_;
};

struct WorkItem {
  std::string dir;                 // a folder to list (relative to the root, "" = the root), or
  std::vector<std::string> files;  // a batch of files to scan (relative paths)
  std::shared_ptr<const IgnoreChain> ignore;  // the ignore files in effect for `dir`'s parent
  std::shared_ptr<const DirHandle> folder;    // the batch's folder, open; null: use full paths
};

// A queue that knows when the walk is over: empty and no worker still holding an item (which
// could add more).
class WorkQueue {
 public:
  // Batches of files go to the front: scanned soon, they keep few folders open.
  void push(WorkItem item) {
    {
      std::lock_guard lock(mu_);
      if (item.files.empty()) {
        items_.push_back(std::move(item));
      } else {
        items_.push_front(std::move(item));
      }
    }
    cv_.notify_one();
  }

  // False when the walk is complete.
  bool pop(WorkItem& item) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !items_.empty() || busy_ == 0; });
    if (items_.empty()) return false;
    item = std::move(items_.front());
    items_.pop_front();
    ++busy_;
    return true;
  }

  void done_with_item() {
    std::lock_guard lock(mu_);
    if (--busy_ == 0 && items_.empty()) cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WorkItem> items_;
  int busy_ = 0;
};

std::string join_path(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

// Reads a small file (an ignore file) whole; "" when it cannot.
std::string read_small_file(int dirfd, const char* name) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {};
  std::string data;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0 && data.size() < (1u << 20);) {
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

class TreeWalker {
 public:
  TreeWalker(const Matcher& matcher, std::string root, const TreeOptions& options)
      : matcher_(matcher), root_(std::move(root)), options_(options) {}

  ScanResult run(std::shared_ptr<const IgnoreChain> root_ignore) {
    queue_.push(WorkItem{"", {}, std::move(root_ignore), nullptr});
    int threads = options_.threads > 0 ? options_.threads
                                       : static_cast<int>(std::thread::hardware_concurrency());
    threads = std::max(1, threads);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { work(); });
    work();
    for (auto& t : pool) t.join();
    sort_findings(result_.findings);
    return std::move(result_);
  }

  // Scans one file (the root itself when it is a file).
  ScanResult run_single(const std::string& display_path) {
    Worker w(matcher_);
    // The user named this file: follow it if it is a symlink (scan_file does not).
    char resolved[PATH_MAX];
    const char* real = ::realpath(root_.c_str(), resolved);
    scan_file(w, AT_FDCWD, real ? std::string(real) : root_, display_path);
    merge(w);
    sort_findings(result_.findings);
    return std::move(result_);
  }

 private:
  struct Worker {
    explicit Worker(const Matcher& m) : scratch(m.make_scratch()) {}
    std::unique_ptr<Matcher::Scratch, void (*)(Matcher::Scratch*)> scratch;
    std::unique_ptr<char[]> buffer{new char[kMmapFromBytes]};       // every file's first 128 KiB
    std::unique_ptr<char[]> dir_buffer{new char[kDirBufferBytes]};  // getdents64 records
    std::vector<std::pair<std::string, unsigned char>> entries;     // a folder's names, d_types
    std::vector<Finding> findings;
    ScanStats stats;
  };

  void work() {
    Worker w(matcher_);
    WorkItem item;
    while (queue_.pop(item)) {
      if (item.files.empty()) {
        list_dir(w, item);
      } else {
        for (const auto& rel : item.files) {
          if (item.folder) {
            scan_file(w, item.folder->fd(), rel.substr(rel.rfind('/') + 1), rel);
          } else {
            scan_file(w, AT_FDCWD, root_ + "/" + rel, rel);
          }
        }
      }
      item = WorkItem{};  // let go of the folder it held open before waiting for more
      queue_.done_with_item();
    }
    merge(w);
  }

  void merge(Worker& w) {
    std::lock_guard lock(mu_);
    auto& s = result_.stats;
    s.files += w.stats.files;
    s.bytes += w.stats.bytes;
    s.skipped_binary += w.stats.skipped_binary;
    s.skipped_large += w.stats.skipped_large;
    s.skipped_ignored += w.stats.skipped_ignored;
    result_.findings.insert(result_.findings.end(), std::make_move_iterator(w.findings.begin()),
                            std::make_move_iterator(w.findings.end()));
  }

  // Lists one folder with raw getdents64 on its O_DIRECTORY fd (fdopendir would fstat, fcntl
  // and dup it): the entry types come with the listing, and so does whether the folder has a
  // .gitignore, which is read before any entry is judged. Then queues subfolders and batches.
  void list_dir(Worker& w, const WorkItem& item) {
    const std::string full = item.dir.empty() ? root_ : root_ + "/" + item.dir;
    // Below the root, symlinks are never followed; the root itself is what the user named.
    const int nofollow = item.dir.empty() ? 0 : O_NOFOLLOW;
    const int dirfd = ::open(full.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow);
    if (dirfd < 0) return;  // vanished or unreadable: nothing to scan there
    auto& entries = w.entries;
    entries.clear();
    bool has_gitignore = false;
    for (;;) {
      const long n = ::syscall(SYS_getdents64, dirfd, w.dir_buffer.get(), kDirBufferBytes);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const auto* e = reinterpret_cast<const LinuxDirent64*>(w.dir_buffer.get() + off);
        off += e->d_reclen;
        const std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN) {  // some file systems leave the type out
          struct stat st {};
          if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        }
        // A .gitignore that is a symlink or a folder is not read (as before: O_NOFOLLOW).
        if (type == DT_REG && name == ".gitignore") has_gitignore = true;
        entries.emplace_back(name, type);
      }
    }
    std::shared_ptr<const IgnoreChain> ignore = item.ignore;
    if (options_.gitignore && has_gitignore) {
      std::string text = read_small_file(dirfd, ".gitignore");
      if (!text.empty()) {
        auto file = IgnoreFile::parse(text, item.dir);
        if (!file.empty()) ignore = std::make_shared<const IgnoreChain>(ignore, std::move(file));
      }
    }
    std::vector<std::string> batch;
    std::shared_ptr<const DirHandle> folder;  // owns dirfd once made
    auto push_batch = [&] {
      if (!folder && open_dirs_ < kMaxOpenDirs) {
        folder = std::make_shared<const DirHandle>(dirfd, open_dirs_);
      }
      queue_.push(WorkItem{{}, std::move(batch), nullptr, folder});
      batch.clear();
    };
    for (const auto& [name, type] : entries) {
      if (type == DT_DIR) {
        if (name == ".git") continue;
        std::string rel = join_path(item.dir, name);
        if (ignore && ignore->ignored(rel, true)) {
          ++w.stats.skipped_ignored;
          continue;
        }
        queue_.push(WorkItem{std::move(rel), {}, ignore, nullptr});
      } else if (type == DT_REG) {
        std::string rel = join_path(item.dir, name);
        if (ignore && ignore->ignored(rel, false)) {
          ++w.stats.skipped_ignored;
          continue;
        }
        batch.push_back(std::move(rel));
        if (batch.size() == kBatchFiles) push_batch();
      }
      // Symlinks, sockets, devices: never followed or read.
    }
    if (!batch.empty()) push_batch();
    if (!folder) ::close(dirfd);  // else the last batch holding it closes it
  }

  // Opens `name` relative to dirfd (AT_FDCWD: name is a full path); `rel` names it in findings.
  // No stat for a small file: it is read into the buffer until read() returns 0. Only a file
  // that fills the buffer (>= 128 KiB) is fstat'ed, then mapped whole or counted as large.
  void scan_file(Worker& w, int dirfd, const std::string& name, const std::string& rel) {
    if (matcher_.path_allowed(rel)) {
      ++w.stats.skipped_ignored;
      return;
    }
    if (has_binary_extension(rel)) {
      ++w.stats.skipped_binary;
      return;
    }
    // O_NONBLOCK: a file swapped for a FIFO since the listing must not hang the open.
    const int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return;
    const std::uint64_t max_bytes = matcher_.config().max_file_bytes;
    // One byte past the limit tells a too-large file without its size.
    const auto limit =
        static_cast<std::size_t>(std::min<std::uint64_t>(kMmapFromBytes, max_bytes + 1));
    std::size_t got = 0;
    bool eof = false;
    while (got < limit) {
      const ssize_t n = ::read(fd, w.buffer.get() + got, limit - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && got == 0) {  // a folder or a device swapped in: not a file to scan
        ::close(fd);
        return;
      }
      if (n <= 0) {  // end of file (or it shrank while we read: scan what is there)
        eof = true;
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    if (eof) {
      ::close(fd);
      if (got == 0) {
        ++w.stats.files;
        return;
      }
      scan_data(w, std::string_view(w.buffer.get(), got), rel);
      return;
    }
    if (got > max_bytes) {  // read past the limit (also a file that grew past it)
      ++w.stats.skipped_large;
      ::close(fd);
      return;
    }
    // The buffer is full: a big file. Its size decides between large and mmap.
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size > max_bytes) {
      ++w.stats.skipped_large;
      ::close(fd);
      return;
    }
    if (size <= got) {  // exactly the buffer's size (or shrank): the buffer holds it all
      ::close(fd);
      scan_data(w, std::string_view(w.buffer.get(), got), rel);
      return;
    }
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return;
    ::madvise(map, size, MADV_SEQUENTIAL);
    scan_data(w, std::string_view(static_cast<const char*>(map), size), rel);
    ::munmap(map, size);
  }

  void scan_data(Worker& w, std::string_view data, const std::string& rel) {
    if (std::memchr(data.data(), 0, std::min(data.size(), kSniffBytes)) != nullptr) {
      ++w.stats.skipped_binary;
      return;
    }
    ++w.stats.files;
    w.stats.bytes += data.size();
    matcher_.scan(data, rel, *w.scratch, w.findings);
  }

  const Matcher& matcher_;
  const std::string root_;
  const TreeOptions options_;
  WorkQueue queue_;
  std::atomic<int> open_dirs_{0};
  std::mutex mu_;
  ScanResult result_;
};

std::string strip_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

bool has_binary_extension(std::string_view path) {
  static constexpr std::array<std::string_view, 58> kExtensions = {
      "png",  "jpg", "jpeg", "gif",   "bmp", "ico",    "webp",    "tif",  "tiff",  "psd",
      "heic", "zip", "gz",   "tgz",   "bz2", "xz",     "7z",      "rar",  "zst",   "tar",
      "jar",  "war", "ear",  "apk",   "pdf", "exe",    "dll",     "so",   "dylib", "o",
      "a",    "obj", "lib",  "class", "pyc", "pyo",    "wasm",    "woff", "woff2", "ttf",
      "otf",  "eot", "mp3",  "mp4",   "mov", "avi",    "mkv",     "wav",  "flac",  "ogg",
      "webm", "iso", "dmg",  "deb",   "rpm", "sqlite", "parquet", "npy"};
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return false;
  }
  const std::string ext = to_lower(path.substr(dot + 1));
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

void sort_findings(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.path, a.line, a.column, a.rule_id, a.offset) <
           std::tie(b.path, b.line, b.column, b.rule_id, b.offset);
  });
}

Result<ScanResult> scan_tree(const Matcher& matcher, const std::string& root_in,
                             const TreeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string root = strip_trailing_slashes(root_in);
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    const int e = errno;
    return make_error(e == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                      e == ENOENT ? "no such file or directory" : std::strerror(e), {root, 0, 0});
  }
  TreeWalker walker(matcher, root, options);
  ScanResult result;
  if (S_ISREG(st.st_mode)) {
    result = walker.run_single(root);
  } else if (S_ISDIR(st.st_mode)) {
    std::shared_ptr<const IgnoreChain> ignore;
    if (options.gitignore) {
      const int dirfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dirfd >= 0) {
        // .git/info/exclude sits below the root's .gitignore (which list_dir adds).
        std::string exclude = read_small_file(dirfd, ".git/info/exclude");
        ::close(dirfd);
        auto file = IgnoreFile::parse(exclude, "");
        if (!file.empty()) ignore = std::make_shared<const IgnoreChain>(nullptr, std::move(file));
      }
    }
    result = walker.run(std::move(ignore));
  } else {
    return make_error(ErrorCode::Invalid, "is neither a file nor a directory", {root, 0, 0});
  }
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace gantry::scan
