#pragma once
// PNG plots for `hamlet train` / `hamlet eval` without plotting dependencies: learning curves
// (line_plot, optionally log y) and parity plots of predicted vs reference values. Non-finite
// points (and non-positive ones on a log axis) are skipped and counted; no drawable point at all
// is a hamlet::Error. Files are written atomically (temporary name, then rename).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "train/raster.hpp"

namespace hamlet::train {

// ---- axes and ticks (exposed for tests and for callers that label things themselves)

struct Axis {
  double lo = 0, hi = 1;  // shown range
  bool log = false;       // log10 scale (lo, hi > 0)
  std::vector<double> ticks;        // labelled major ticks, ascending, inside [lo, hi]
  std::vector<std::string> labels;  // one per tick
  std::vector<double> minor;        // unlabelled ticks (log axes: 2..9 x 10^k)
  double fraction(double v) const;  // 0 at lo, 1 at hi (log-scaled when log)
};

// Step of 1, 2 or 5 x 10^k giving about target_ticks intervals over `range` (> 0).
double nice_step(double range, int target_ticks);
// Range expanded to multiples of the nice step; a zero-width range is widened around its value.
Axis linear_axis(double lo, double hi, int target_ticks = 6);
// Whole decades covering [lo, hi] (both > 0), a label per decade (every 2nd, 3rd.. when there
// are more than 8); with a single decade also 2 and 5 are labelled.
Axis log_axis(double lo, double hi);
// Tick text for multiples of `step`: fixed with just enough decimals ("0.25", "100"), or
// "2.5e-5" style when scientific. Never "-0".
std::string format_tick(double value, double step, bool scientific);

// Pixel rectangle of the data area and its axes (data -> pixel mapping, used by tests).
struct PlotFrame {
  int left = 0, top = 0, right = 0, bottom = 0;  // data area [left, right) x [top, bottom)
  Axis x, y;
  double px(double xv) const { return left + x.fraction(xv) * (right - left); }
  double py(double yv) const { return bottom - y.fraction(yv) * (bottom - top); }
};

struct PlotResult {
  std::size_t points = 0;   // drawn
  std::size_t skipped = 0;  // non-finite (or <= 0 on a log axis)
  double mae = 0, rmse = 0, max_error = 0;  // parity plots: over the drawn points
  PlotFrame frame;
};

// ---- plots

struct Series {
  std::string name;  // legend entry; no legend when every name is empty
  std::vector<double> xs, ys;
  std::optional<Rgb> color;  // default: plot_color(index)
};
Rgb plot_color(std::size_t index);  // a fixed palette of distinguishable colours

// Learning curves: one polyline per series (gaps at skipped points), markers when short.
PlotResult line_plot(const std::filesystem::path& path, const std::string& title,
                     const std::string& x_label, const std::string& y_label,
                     const std::vector<Series>& series, bool log_y = false);

// Predicted (ys) vs reference (xs) scatter with the y = x line, equal axis ranges, and MAE,
// RMSE and the point count in the corner. Up to ~10^6 points: translucent dots whose opacity
// falls with the count, so dense regions show as darker.
PlotResult parity_plot(const std::filesystem::path& path, const std::string& title,
                       const std::string& x_label, const std::string& y_label,
                       std::span<const double> xs, std::span<const double> ys);

// The points of a parity plot over any number of values in bounded memory: every point while
// there are at most `capacity`, then a uniform random sample of that many (reservoir sampling,
// fixed seed: the same points every run). A QM9 molecule in def2-SVP offers ~15 000 Fock
// elements, so a large test set would otherwise hold GBs for one picture.
class ParitySample {
 public:
  explicit ParitySample(std::size_t capacity = 1'000'000);
  void add(double reference, double predicted);
  const std::vector<double>& references() const { return xs_; }
  const std::vector<double>& predictions() const { return ys_; }
  std::size_t offered() const { return offered_; }

 private:
  std::size_t capacity_, offered_ = 0;
  std::vector<double> xs_, ys_;
  std::uint64_t state_ = 0x9E3779B97F4A7C15ull;  // splitmix64: the same sample on every platform
};

}  // namespace hamlet::train
