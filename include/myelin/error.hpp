#pragma once
// Error families of myelin. `error` is the user's fault or the world's (bad model,
// unwritable file); `internal_error` is ours (a broken invariant).

#include <stdexcept>
#include <string>

namespace myelin {

/// A user or runtime error: bad model input, missing file, resource limits.
/// The message says what was wrong, where (a JSON path or object label) and
/// what is allowed.
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error(what) {}
};

/// An invalid model description. `field` is the JSON path of the offending value,
/// e.g. `populations[1].params.tau_m`.
class model_error : public error {
 public:
  model_error(std::string field, const std::string& message)
      : error(field.empty() ? message : field + ": " + message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

/// Failure while reading or writing files.
class io_error : public error {
 public:
  explicit io_error(const std::string& what) : error(what) {}
};

/// A bug in myelin: an invariant that should never be violated.
class internal_error : public std::logic_error {
 public:
  explicit internal_error(const std::string& what) : std::logic_error("internal error: " + what) {}
};

}  // namespace myelin
