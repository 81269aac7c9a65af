// Result<T> and Error: the one error type every module returns. Value types; not thread-safe
// to mutate concurrently, safe to copy across threads.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace gantry {

// A place in an input file. line and column are 1-based; 0 means unknown.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return !file.empty(); }
  // "file:line:col", "file:line", "file", or "" as far as known.
  std::string str() const;
  friend bool operator==(const Location&, const Location&) = default;
};

enum class ErrorCode {
  Invalid,      // input is malformed or breaks a rule
  NotFound,     // a file, key or object does not exist
  Io,           // the OS refused a read or write
  Unsupported,  // valid input we do not handle
  Conflict,     // input contradicts other input
  Internal,     // a bug in gantry
};

struct Error {
  ErrorCode code = ErrorCode::Invalid;
  std::string message;
  Location where;
  std::string key_path;  // e.g. services.api.health.readiness.period

  // One line: "file:line:col: key.path: message".
  std::string str() const;
};

Error make_error(ErrorCode code, std::string message, Location where = {},
                 std::string key_path = {});

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  explicit operator bool() const { return v_.index() == 0; }
  bool ok() const { return v_.index() == 0; }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace gantry
