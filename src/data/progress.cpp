#include "data/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace hamlet::data {
namespace {

std::string duration_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

Progress::Progress(size_t todo, size_t skipped, bool enabled, std::string unit)
    : todo_(todo), skipped_(skipped), unit_(std::move(unit)), enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
  draw(true);
}

void Progress::advance() {
  ++done_;
  draw(done_ == todo_);
}

void Progress::note(const std::string& message) {
  if (!enabled_) return;
  fmt::print(stderr, "{}{}\n", tty_ ? "\r\033[K" : "", message);
  draw(true);
}

void Progress::finish() {
  if (enabled_ && tty_) fmt::print(stderr, "\n");
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!tty_ && !force && now - last_draw_ < std::chrono::seconds(10)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  constexpr int kWidth = 24;
  const int filled = todo_ ? static_cast<int>(kWidth * done_ / todo_) : kWidth;
  std::string line = fmt::format("[{}{}] {}/{}", std::string(filled, '#'), std::string(kWidth - filled, '.'),
                                 done_, todo_);
  if (skipped_) line += fmt::format(" (+{} done before)", skipped_);
  if (done_ > 0 && elapsed > 0) {
    const double per_minute = 60.0 * done_ / elapsed;
    line += fmt::format("  {:.1f} {}/min", per_minute, unit_);
    if (done_ < todo_) line += "  ETA " + duration_text((todo_ - done_) * elapsed / done_);
  }
  line += "  " + duration_text(elapsed);
  fmt::print(stderr, "{}{}{}", tty_ ? "\r\033[K" : "", line, tty_ ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace hamlet::data
