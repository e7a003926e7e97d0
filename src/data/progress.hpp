#pragma once
// Progress bar for long loops on stderr: done/total, rate per minute, ETA. Redrawn in place on
// a terminal; on a pipe or file, one line at most every 10 s so logs stay short.
// Not thread-safe: callers serialise.
#include <chrono>
#include <string>

namespace hamlet::data {

class Progress {
 public:
  Progress(size_t todo, size_t skipped, bool enabled, std::string unit = "structures");
  void advance();                         // one more item finished (whatever the outcome)
  void note(const std::string& message);  // a line printed above the bar
  void finish();

 private:
  void draw(bool force);
  size_t todo_, skipped_, done_ = 0;
  std::string unit_;  // what is counted, for the rate
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hamlet::data
