#pragma once
// hamlet's single error type. Messages say what went wrong, where in the *input*
// (file:line when known) and, when useful, what to do about it.
#include <stdexcept>
#include <string>

namespace hamlet {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  // Error located in an input file; line is 1-based, 0 when unknown.
  Error(const std::string& file, int line, const std::string& what)
      : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " +
                           what),
        file_(file),
        line_(line) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }

 private:
  std::string file_;
  int line_ = 0;
};

// Exit codes of the hamlet executable (documented in README).
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,          // bad input or runtime failure
  kExitUsage = 2,          // command-line usage error (CLI11)
  kExitNotConverged = 3,   // SCF did not converge within --max-iter
};

}  // namespace hamlet
