// Axes, ticks, learning-curve and parity plots on the Canvas of raster.hpp.
#include "train/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace hamlet::train {

// ---------------------------------------------------------------- ticks

double Axis::fraction(double v) const {
  if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  return (v - lo) / (hi - lo);
}

double nice_step(double range, int target_ticks) {
  if (!(range > 0) || !std::isfinite(range) || target_ticks < 1)
    throw Error("nice_step: need a finite range > 0 and at least one tick");
  const double raw = range / target_ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double tol = 1 + 1e-9;  // 0.2/1 is 0.2000000001 in floating point: still a "2"
  return (norm <= tol ? 1 : norm <= 2 * tol ? 2 : norm <= 5 * tol ? 5 : 10) * mag;
}

std::string format_tick(double value, double step, bool scientific) {
  if (std::abs(value) < step * 1e-6) value = 0;  // i * step can give 1e-17 instead of 0
  const int k = int(std::floor(std::log10(step) + 1e-9));  // step = {1,2,5} x 10^k
  if (!scientific) return fmt::format("{:.{}f}", value, std::max(0, -k));
  if (value == 0) return "0";
  int e = int(std::floor(std::log10(std::abs(value)) + 1e-9));
  std::string mant = fmt::format("{:.{}f}", value / std::pow(10.0, e), std::max(0, e - k));
  if (mant == "10" || mant.rfind("10.", 0) == 0 || mant.rfind("-10", 0) == 0) {
    ++e;  // 9.99.. rounded up to 10
    mant = fmt::format("{:.{}f}", value / std::pow(10.0, e), std::max(0, e - k));
  }
  if (mant.find('.') != std::string::npos) {  // "1.0e-5" -> "1e-5", "2.50e-5" -> "2.5e-5"
    mant.erase(mant.find_last_not_of('0') + 1);
    if (mant.back() == '.') mant.pop_back();
  }
  return mant + "e" + std::to_string(e);
}

Axis linear_axis(double lo, double hi, int target_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) throw Error("linear_axis: non-finite range");
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {  // one value: widen around it
    const double pad = lo == 0 ? 1.0 : 0.1 * std::abs(lo);
    lo -= pad, hi += pad;
  }
  const double step = nice_step(hi - lo, target_ticks);
  const double i0 = std::floor(lo / step + 1e-9), i1 = std::ceil(hi / step - 1e-9);
  Axis a;
  a.lo = i0 * step;
  a.hi = i1 * step;
  const bool sci = step < 1e-3 || std::max(std::abs(a.lo), std::abs(a.hi)) >= 1e6;
  for (double i = i0; i <= i1; ++i) {
    a.ticks.push_back(i * step);
    a.labels.push_back(format_tick(i * step, step, sci));
  }
  return a;
}

Axis log_axis(double lo, double hi) {
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi))
    throw Error("log_axis: need a finite range > 0");
  if (lo > hi) std::swap(lo, hi);
  const int e0 = int(std::floor(std::log10(lo) + 1e-12));
  int e1 = int(std::ceil(std::log10(hi) - 1e-12));
  if (e1 <= e0) e1 = e0 + 1;
  const int decades = e1 - e0, stride = (decades + 7) / 8;
  const bool sci = e0 < -3 || e1 > 4;
  const auto label = [&](double v, int e) { return format_tick(v, std::pow(10.0, e), sci); };
  Axis a;
  a.log = true;
  a.lo = std::pow(10.0, e0);
  a.hi = std::pow(10.0, e1);
  for (int e = e0; e <= e1; ++e) {
    const double decade = std::pow(10.0, e);
    if (((e % stride) + stride) % stride == 0) {
      a.ticks.push_back(decade);
      a.labels.push_back(label(decade, e));
    } else {
      a.minor.push_back(decade);
    }
    if (e == e1 || decades > 6) continue;
    for (int m = 2; m <= 9; ++m) {
      if (decades == 1 && (m == 2 || m == 5)) {
        a.ticks.push_back(m * decade);
        a.labels.push_back(label(m * decade, e));
      } else {
        a.minor.push_back(m * decade);
      }
    }
  }
  // Keep ticks ascending (the 2 and 5 of a single decade were appended after its 1).
  std::vector<std::size_t> order(a.ticks.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto i, auto j) { return a.ticks[i] < a.ticks[j]; });
  Axis sorted = a;
  for (std::size_t i = 0; i < order.size(); ++i) {
    sorted.ticks[i] = a.ticks[order[i]];
    sorted.labels[i] = a.labels[order[i]];
  }
  return sorted;
}

// ---------------------------------------------------------------- drawing helpers

namespace {

constexpr Rgb kInk{30, 30, 30}, kFrameColor{80, 80, 80}, kGrid{228, 228, 228},
    kMinorGrid{242, 242, 242}, kMuted{110, 110, 110};
constexpr int kText = 2;  // font scale of all text
constexpr int kTickLen = 5;

int label_height() { return text_height(kText); }
int cap_height() { return 7 * kText; }

int max_label_width(const Axis& a) {
  int w = 0;
  for (const auto& l : a.labels) w = std::max(w, text_width(l, kText));
  return w;
}

// Margins around the data area for the given y axis (its labels set the left margin).
struct Margins {
  int left, top, right, bottom;
};
Margins margins_for(const Axis& y, bool has_title) {
  const int t = label_height();
  return {12 + t + 14 + max_label_width(y) + 6 + kTickLen,
          has_title ? 16 + t + 16 : 20, 28, kTickLen + 6 + t + 14 + t + 12};
}

void draw_axes(Canvas& c, const PlotFrame& f, const std::string& title, const std::string& x_label,
               const std::string& y_label) {
  const int t = label_height();
  c.reset_clip();
  const auto col = [&](double v) {
    return std::clamp(int(std::floor(f.px(v))), f.left, f.right - 1);
  };
  const auto row = [&](double v) {
    return std::clamp(int(std::floor(f.py(v))), f.top, f.bottom - 1);
  };
  for (double v : f.x.minor) c.fill_rect(col(v), f.top, col(v) + 1, f.bottom, kMinorGrid);
  for (double v : f.y.minor) c.fill_rect(f.left, row(v), f.right, row(v) + 1, kMinorGrid);
  for (double v : f.x.ticks) c.fill_rect(col(v), f.top, col(v) + 1, f.bottom, kGrid);
  for (double v : f.y.ticks) c.fill_rect(f.left, row(v), f.right, row(v) + 1, kGrid);
  c.rect_outline(f.left - 1, f.top - 1, f.right + 1, f.bottom + 1, kFrameColor);

  // x tick labels, thinned when neighbours would overlap.
  std::size_t stride = 1;
  if (f.x.ticks.size() > 1) {
    const double spacing = std::abs(f.px(f.x.ticks[1]) - f.px(f.x.ticks[0]));
    stride = std::size_t(std::ceil((max_label_width(f.x) + 12) / std::max(spacing, 1.0)));
  }
  for (std::size_t i = 0; i < f.x.ticks.size(); ++i) {
    const int x = col(f.x.ticks[i]);
    c.fill_rect(x, f.bottom + 1, x + 1, f.bottom + 1 + kTickLen, kFrameColor);
    if (i % stride) continue;
    const int w = text_width(f.x.labels[i], kText);
    draw_text(c, x - w / 2, f.bottom + 1 + kTickLen + 6, f.x.labels[i], kInk, kText);
  }
  for (std::size_t i = 0; i < f.y.ticks.size(); ++i) {
    const int y = row(f.y.ticks[i]);
    c.fill_rect(f.left - 1 - kTickLen, y, f.left - 1, y + 1, kFrameColor);
    const int w = text_width(f.y.labels[i], kText);
    draw_text(c, f.left - 1 - kTickLen - 6 - w, y - cap_height() / 2, f.y.labels[i], kInk, kText);
  }
  if (!x_label.empty())
    draw_text(c, (f.left + f.right - text_width(x_label, kText)) / 2,
              f.bottom + 1 + kTickLen + 6 + t + 14, x_label, kInk, kText);
  if (!y_label.empty())
    draw_text(c, 12, (f.top + f.bottom - text_width(y_label, kText)) / 2, y_label, kInk, kText,
              /*vertical=*/true);
  if (!title.empty()) {
    // Long titles fall back to the small font rather than running off the image.
    const int scale = text_width(title, kText) <= c.width() - 20 ? kText : 1;
    draw_text(c, std::max(4, (c.width() - text_width(title, scale)) / 2), 16, title, kInk, scale);
  }
}

// Lines of text in a white box with a frame at (x, y) (top-left), inside the data area.
void text_box(Canvas& c, int x, int y, const std::vector<std::string>& lines, Rgb ink) {
  int w = 0;
  for (const auto& l : lines) w = std::max(w, text_width(l, kText));
  const int line_h = label_height() + 6;
  c.fill_rect(x, y, x + w + 16, y + int(lines.size()) * line_h + 10, kWhite);
  c.rect_outline(x, y, x + w + 16, y + int(lines.size()) * line_h + 10, kGrid);
  for (std::size_t i = 0; i < lines.size(); ++i)
    draw_text(c, x + 8, y + 8 + int(i) * line_h, lines[i], ink, kText);
}

}  // namespace

Rgb plot_color(std::size_t index) {
  static constexpr Rgb palette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},
                                    {214, 39, 40},  {148, 103, 189}, {140, 86, 75},
                                    {227, 119, 194}, {127, 127, 127}, {188, 189, 34},
                                    {23, 190, 207}};
  return palette[index % std::size(palette)];
}

// ---------------------------------------------------------------- line plot

PlotResult line_plot(const std::filesystem::path& path, const std::string& title,
                     const std::string& x_label, const std::string& y_label,
                     const std::vector<Series>& series, bool log_y) {
  const std::string what = "line plot '" + path.filename().string() + "'";
  if (series.empty()) throw Error(what + ": no series given");
  PlotResult result;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  const auto usable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0);
  };
  for (const auto& s : series) {
    if (s.xs.size() != s.ys.size())
      throw Error(what + ": series '" + s.name + "' has " + std::to_string(s.xs.size()) +
                  " x values but " + std::to_string(s.ys.size()) + " y values");
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
      if (!usable(s.xs[i], s.ys[i])) {
        ++result.skipped;
        continue;
      }
      ++result.points;
      x0 = std::min(x0, s.xs[i]), x1 = std::max(x1, s.xs[i]);
      y0 = std::min(y0, s.ys[i]), y1 = std::max(y1, s.ys[i]);
    }
  }
  if (result.points == 0)
    throw Error(what + ": no drawable data points (" + std::to_string(result.skipped) +
                " skipped as non-finite" + (log_y ? " or <= 0 on the log axis)" : ")"));

  PlotFrame& f = result.frame;
  f.x = linear_axis(x0, x1, 8);
  f.y = log_y ? log_axis(y0, y1) : linear_axis(y0, y1, 6);
  const int width = 960, height = 640;
  const Margins m = margins_for(f.y, !title.empty());
  f.left = m.left, f.top = m.top, f.right = width - m.right, f.bottom = height - m.bottom;
  Canvas c(width, height);
  draw_axes(c, f, title, x_label, y_label);

  c.set_clip(f.left, f.top, f.right, f.bottom);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const Rgb color = s.color.value_or(plot_color(k));
    std::vector<Point> run, all;
    const auto flush = [&] {
      if (run.size() == 1) c.disc(run[0], 2.0, color);
      else c.polyline(run, color, 2.0);
      run.clear();
    };
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
      if (!usable(s.xs[i], s.ys[i])) {  // a gap in the curve
        if (!run.empty()) flush();
        continue;
      }
      run.emplace_back(f.px(s.xs[i]), f.py(s.ys[i]));
      all.push_back(run.back());
    }
    if (!run.empty()) flush();
    if (all.size() <= 60)  // few epochs: show where the measurements are
      for (const auto& p : all) c.disc(p, 3.0, color);
  }
  c.reset_clip();

  // Legend in the top-right corner of the data area.
  std::vector<std::size_t> named;
  for (std::size_t k = 0; k < series.size(); ++k)
    if (!series[k].name.empty()) named.push_back(k);
  if (!named.empty()) {
    int w = 0;
    for (auto k : named) w = std::max(w, text_width(series[k].name, kText));
    const int line_h = label_height() + 6, sample = 28;
    const int bw = 10 + sample + 8 + w + 10, bh = int(named.size()) * line_h + 10;
    const int bx = f.right - 10 - bw, by = f.top + 10;
    c.fill_rect(bx, by, bx + bw, by + bh, kWhite);
    c.rect_outline(bx, by, bx + bw, by + bh, kGrid);
    for (std::size_t i = 0; i < named.size(); ++i) {
      const Series& s = series[named[i]];
      const int ty = by + 8 + int(i) * line_h;
      const double ly = ty + cap_height() / 2.0;
      const Rgb color = s.color.value_or(plot_color(named[i]));
      c.line({bx + 10.0, ly}, {bx + 10.0 + sample, ly}, color, 2.0);
      draw_text(c, bx + 10 + sample + 8, ty, s.name, kInk, kText);
    }
  }
  if (result.skipped)
    draw_text(c, f.left + 8, f.bottom - 8 - cap_height(),
              fmt::format("{} point{} skipped", result.skipped, result.skipped == 1 ? "" : "s"),
              kMuted, kText);
  write_png(path, c);
  return result;
}

// ---------------------------------------------------------------- parity plot

PlotResult parity_plot(const std::filesystem::path& path, const std::string& title,
                       const std::string& x_label, const std::string& y_label,
                       std::span<const double> xs, std::span<const double> ys) {
  const std::string what = "parity plot '" + path.filename().string() + "'";
  if (xs.size() != ys.size())
    throw Error(what + ": " + std::to_string(xs.size()) + " reference values but " +
                std::to_string(ys.size()) + " predictions");
  PlotResult result;
  double lo = INFINITY, hi = -INFINITY, abs_sum = 0, sq_sum = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      ++result.skipped;
      continue;
    }
    ++result.points;
    lo = std::min({lo, xs[i], ys[i]}), hi = std::max({hi, xs[i], ys[i]});
    const double e = ys[i] - xs[i];
    abs_sum += std::abs(e), sq_sum += e * e;
    result.max_error = std::max(result.max_error, std::abs(e));
  }
  if (result.points == 0)
    throw Error(what + ": no finite data points (" + std::to_string(result.skipped) +
                " skipped as non-finite)");
  result.mae = abs_sum / double(result.points);
  result.rmse = std::sqrt(sq_sum / double(result.points));

  PlotFrame& f = result.frame;
  f.x = linear_axis(lo, hi, 6);
  f.y = f.x;  // equal ranges: the y = x line is the diagonal
  const int side = 600;
  const Margins m = margins_for(f.y, !title.empty());
  f.left = m.left, f.top = m.top, f.right = m.left + side, f.bottom = m.top + side;
  Canvas c(f.right + m.right, f.bottom + m.bottom);
  draw_axes(c, f, title, x_label, y_label);

  // Dots fade as their number grows so that dense regions stay readable.
  const double n = double(result.points);
  const double radius = n <= 2e3 ? 2.5 : n <= 5e4 ? 1.5 : 1.0;
  const double alpha = n <= 2e3 ? 0.75 : std::max(0.03, 0.75 * std::sqrt(2e3 / n));
  std::vector<Point> pts;
  pts.reserve(result.points);
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (std::isfinite(xs[i]) && std::isfinite(ys[i])) pts.emplace_back(f.px(xs[i]), f.py(ys[i]));
  c.set_clip(f.left, f.top, f.right, f.bottom);
  c.scatter(pts, plot_color(0), radius, alpha);
  c.line({f.px(f.x.lo), f.py(f.x.lo)}, {f.px(f.x.hi), f.py(f.x.hi)}, plot_color(3), 1.5);
  c.reset_clip();

  std::vector<std::string> lines = {fmt::format("MAE  = {:.3g}", result.mae),
                                    fmt::format("RMSE = {:.3g}", result.rmse),
                                    fmt::format("N    = {}", result.points)};
  if (result.skipped) lines.push_back(fmt::format("skipped {} non-finite", result.skipped));
  text_box(c, f.left + 10, f.top + 10, lines, kInk);
  write_png(path, c);
  return result;
}

ParitySample::ParitySample(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw Error("ParitySample: the capacity must be positive");
}

void ParitySample::add(double reference, double predicted) {
  ++offered_;
  if (xs_.size() < capacity_) {
    xs_.push_back(reference);
    ys_.push_back(predicted);
    return;
  }
  // Keep the new point with probability capacity / offered, in place of a random one.
  state_ += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  const std::uint64_t slot = z % offered_;  // modulo bias < offered / 2^64: negligible
  if (slot < capacity_) {
    xs_[slot] = reference;
    ys_[slot] = predicted;
  }
}

}  // namespace hamlet::train
