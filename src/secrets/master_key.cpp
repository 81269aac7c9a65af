// The master key: generating, parsing, key files, GANTRY_MASTER_KEY. MasterKey is immutable;
// the functions are thread-safe (no shared state).
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/file.h"
#include "core/strings.h"
#include "secrets/crypto_impl.h"
#include "secrets/key_file_impl.h"
#include "secrets/secrets.h"

namespace gantry::secrets {

namespace fs = std::filesystem;

namespace {

constexpr const char* kEnvVar = "GANTRY_MASTER_KEY";

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error(ErrorCode::Io, what + ": " + std::strerror(err), Location{path, 0, 0});
}

std::string dir_of(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  return dir.empty() ? "." : dir.string();
}

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return {};
}

// A new 0600 temp file beside path holding the key, fsynced; returns its name.
Result<std::string> write_temp_key(const std::string& path, const MasterKey& key) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0) return io_error("cannot create a file beside the key file", path, errno);
  std::string text = key.encoded() + "\n";
  Status written;
  if (!write_all(fd, text)) written = io_error("cannot write", tmp, errno);
  detail::wipe(text);
  if (written && ::fchmod(fd, 0600) != 0) written = io_error("cannot chmod", tmp, errno);
  if (written && ::fsync(fd) != 0) written = io_error("cannot fsync", tmp, errno);
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return written.error();
  }
  return tmp;
}

}  // namespace

MasterKey MasterKey::generate() {
  detail::ensure_sodium();
  MasterKey key;
  randombytes_buf(key.bytes_.data(), kSize);
  return key;
}

Result<MasterKey> MasterKey::parse(std::string_view text) {
  text = trim(text);
  std::optional<std::string> raw;
  if (text.size() == 2 * kSize) raw = detail::from_hex(text);
  if (!raw) raw = detail::base64_decode(text, detail::Base64::Standard);
  if (!raw) raw = detail::base64_decode(text, detail::Base64::StandardNoPadding);
  if (!raw || raw->size() != kSize) {
    if (raw) detail::wipe(*raw);
    // Never echo the text: it may be a real key with a typo.
    return make_error(ErrorCode::Invalid,
                      "not a master key: expected 64 hex digits or the base64 of 32 bytes (got " +
                          std::to_string(text.size()) + " characters)");
  }
  MasterKey key;
  std::memcpy(key.bytes_.data(), raw->data(), kSize);
  detail::wipe(*raw);
  return key;
}

std::string MasterKey::encoded() const {
  return detail::base64_encode(
      std::string_view(reinterpret_cast<const char*>(bytes_.data()), kSize),
      detail::Base64::Standard);
}

std::string MasterKey::id() const { return detail::key_id_of(bytes_.data(), kSize); }

MasterKey::~MasterKey() { sodium_memzero(bytes_.data(), kSize); }

bool master_key_from_env() { return std::getenv(kEnvVar) != nullptr; }

std::string key_file_in(const std::string& state_dir) {
  return (fs::path(state_dir) / "master.key").string();
}

Result<MasterKey> load_master_key(const std::string& key_file) {
  if (const char* env = std::getenv(kEnvVar)) {
    auto key = MasterKey::parse(env);
    if (!key) {
      return make_error(ErrorCode::Invalid,
                        std::string(kEnvVar) + ": " + key.error().message +
                            "; unset it to use the key file, or set it to the key `gantry init` "
                            "wrote");
    }
    return key;
  }
  auto key = detail::read_key_file(key_file);
  if (!key && key.error().code == ErrorCode::NotFound) {
    return make_error(ErrorCode::NotFound, "no master key: run `gantry init` to create " +
                                               key_file + ", or set " + kEnvVar);
  }
  return key;
}

Result<MasterKey> create_key_file(const std::string& key_file) {
  struct stat st {};
  if (::lstat(key_file.c_str(), &st) == 0) {
    return make_error(ErrorCode::Conflict,
                      "a master key exists already; gantry never overwrites one (`gantry "
                      "secrets rekey` replaces it and re-encrypts every secret)",
                      Location{key_file, 0, 0});
  }
  if (auto st2 = detail::make_private_dirs_for(key_file); !st2) return st2.error();
  MasterKey key = MasterKey::generate();
  auto tmp = write_temp_key(key_file, key);
  if (!tmp) return tmp.error();
  // link() fails when key_file exists: two `gantry init` at once cannot overwrite each other.
  const int rc = ::link(tmp->c_str(), key_file.c_str());
  const int err = errno;
  ::unlink(tmp->c_str());
  if (rc != 0) {
    if (err == EEXIST) {
      return make_error(ErrorCode::Conflict, "a master key exists already", Location{key_file});
    }
    return io_error("cannot create the key file", key_file, err);
  }
  if (auto synced = fsync_dir(dir_of(key_file)); !synced) return synced.error();
  return key;
}

namespace detail {

Result<MasterKey> read_key_file(const std::string& path) {
  const Location at{path, 0, 0};
  // Symbolic links are followed (a Kubernetes secret volume is made of them); the mode checked
  // is the target's.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::NotFound, "no such file", at);
    return io_error("cannot open the key file", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("cannot stat the key file", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::Invalid, "is not a regular file", at);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ErrorCode::Invalid,
                      std::string("the key file may be read by others (mode ") + mode +
                          "); only its owner may: chmod 600 " + path,
                      at);
  }
  std::string text(4096, '\0');
  std::size_t len = 0;
  while (len < text.size()) {
    const ssize_t n = ::read(fd, text.data() + len, text.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(len);
  auto key = MasterKey::parse(text);
  wipe(text);
  if (!key) return make_error(ErrorCode::Invalid, key.error().message, at);
  return key;
}

Status write_key_file(const std::string& path, const MasterKey& key) {
  if (auto dirs = make_private_dirs_for(path); !dirs) return dirs;
  auto tmp = write_temp_key(path, key);
  if (!tmp) return tmp.error();
  auto renamed = rename_durably(*tmp, path);
  if (!renamed) ::unlink(tmp->c_str());
  return renamed;
}

Status rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return io_error("cannot rename " + from + " to it", to, errno);
  }
  return fsync_dir(dir_of(to));
}

Status make_private_dirs_for(const std::string& path) {
  const fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) return {};
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return io_error("cannot create directory", it->string(), errno);
    }
  }
  return {};
}

}  // namespace detail
}  // namespace gantry::secrets
