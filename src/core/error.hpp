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
      : std::runtime_error(located(file, line, what)), file_(file), line_(line) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }

 private:
  // "file:line: what" by appending: GCC 12 warned (-Wstringop-overflow, a false positive) on
  // the inlined `":" + std::to_string(line)`.
  static std::string located(const std::string& file, int line, const std::string& what) {
    std::string message = file;
    if (line > 0) {
      message += ':';
      message += std::to_string(line);
    }
    message += ": ";
    message += what;
    return message;
  }
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
