// Canvas drawing and the PNG encoder. The font lives in font.cpp.
#include "train/raster.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace hamlet::train {

Canvas::Canvas(int width, int height, Rgb background) : w_(width), h_(height) {
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    throw Error("canvas size " + std::to_string(width) + "x" + std::to_string(height) +
                " is not in 1..16384");
  rgb_.resize(std::size_t(w_) * h_ * 3);
  for (std::size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
  reset_clip();
}

Rgb Canvas::pixel(int x, int y) const {
  if (x < 0 || y < 0 || x >= w_ || y >= h_) throw Error("pixel outside the canvas");
  const std::size_t i = (std::size_t(y) * w_ + x) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Canvas::set_clip(int x0, int y0, int x1, int y1) {
  cx0_ = std::clamp(x0, 0, w_);
  cy0_ = std::clamp(y0, 0, h_);
  cx1_ = std::clamp(x1, cx0_, w_);
  cy1_ = std::clamp(y1, cy0_, h_);
}

void Canvas::set(int x, int y, Rgb c) { blend(x, y, c, 1.0); }

void Canvas::blend(int x, int y, Rgb c, double alpha) {
  if (x < cx0_ || y < cy0_ || x >= cx1_ || y >= cy1_ || !(alpha > 0)) return;
  alpha = std::min(alpha, 1.0);
  std::uint8_t* p = &rgb_[(std::size_t(y) * w_ + x) * 3];
  const auto mix = [&](std::uint8_t& dst, std::uint8_t src) {
    dst = static_cast<std::uint8_t>(std::lround(dst + alpha * (double(src) - dst)));
  };
  mix(p[0], c.r);
  mix(p[1], c.g);
  mix(p[2], c.b);
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = std::max(y0, cy0_); y < std::min(y1, cy1_); ++y)
    for (int x = std::max(x0, cx0_); x < std::min(x1, cx1_); ++x) set(x, y, c);
}

void Canvas::rect_outline(int x0, int y0, int x1, int y1, Rgb c) {
  fill_rect(x0, y0, x1, y0 + 1, c);
  fill_rect(x0, y1 - 1, x1, y1, c);
  fill_rect(x0, y0, x0 + 1, y1, c);
  fill_rect(x1 - 1, y0, x1, y1, c);
}

bool Canvas::clip_box(double x0, double y0, double x1, double y1, int& ix0, int& iy0, int& ix1,
                      int& iy1) const {
  if (!(std::isfinite(x0) && std::isfinite(y0) && std::isfinite(x1) && std::isfinite(y1)))
    return false;
  ix0 = int(std::max<double>(cx0_, std::floor(x0)));
  iy0 = int(std::max<double>(cy0_, std::floor(y0)));
  ix1 = int(std::min<double>(cx1_, std::ceil(x1) + 1));
  iy1 = int(std::min<double>(cy1_, std::ceil(y1) + 1));
  return ix0 < ix1 && iy0 < iy1;
}

void Canvas::polyline(const std::vector<Point>& points, Rgb c, double width) {
  if (points.empty()) return;
  const double hw = 0.5 * width;
  double bx0 = 1e300, by0 = 1e300, bx1 = -1e300, by1 = -1e300;
  for (const auto& [x, y] : points) {
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    bx0 = std::min(bx0, x), by0 = std::min(by0, y), bx1 = std::max(bx1, x), by1 = std::max(by1, y);
  }
  int X0, Y0, X1, Y1;
  if (!clip_box(bx0 - hw - 1, by0 - hw - 1, bx1 + hw + 1, by1 + hw + 1, X0, Y0, X1, Y1)) return;
  const int bw = X1 - X0;
  std::vector<float> cover(std::size_t(bw) * (Y1 - Y0), 0.0f);
  const auto segment = [&](Point a, Point b) {
    int x0, y0, x1, y1;
    if (!clip_box(std::min(a.first, b.first) - hw - 1, std::min(a.second, b.second) - hw - 1,
                  std::max(a.first, b.first) + hw + 1, std::max(a.second, b.second) + hw + 1, x0,
                  y0, x1, y1))
      return;
    const double dx = b.first - a.first, dy = b.second - a.second, len2 = dx * dx + dy * dy;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        // Distance from the pixel centre to the segment; coverage ramps over one pixel.
        const double px = x + 0.5 - a.first, py = y + 0.5 - a.second;
        const double t = len2 > 0 ? std::clamp((px * dx + py * dy) / len2, 0.0, 1.0) : 0.0;
        const double d = std::hypot(px - t * dx, py - t * dy);
        const float cov = float(std::clamp(hw + 0.5 - d, 0.0, 1.0));
        float& dst = cover[std::size_t(y - Y0) * bw + (x - X0)];
        dst = std::max(dst, cov);
      }
  };
  if (points.size() == 1) segment(points[0], points[0]);
  for (std::size_t i = 1; i < points.size(); ++i) segment(points[i - 1], points[i]);
  for (int y = Y0; y < Y1; ++y)
    for (int x = X0; x < X1; ++x) blend(x, y, c, cover[std::size_t(y - Y0) * bw + (x - X0)]);
}

void Canvas::disc(Point center, double radius, Rgb c, double alpha) {
  const auto [cx, cy] = center;
  int x0, y0, x1, y1;
  if (!clip_box(cx - radius - 1, cy - radius - 1, cx + radius + 1, cy + radius + 1, x0, y0, x1, y1))
    return;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
      blend(x, y, c, alpha * std::clamp(radius + 0.5 - d, 0.0, 1.0));
    }
}

void Canvas::scatter(const std::vector<Point>& points, Rgb c, double radius, double alpha) {
  // Blending n discs of opacity a leaves (1-a)^n of the background: accumulate the optical
  // depth -n log(1-a) per pixel, then blend once with 1 - exp(-depth).
  const double k = -std::log1p(-std::min(alpha, 0.999999));
  const int cw = cx1_ - cx0_, ch = cy1_ - cy0_;
  if (cw <= 0 || ch <= 0) return;
  std::vector<float> depth(std::size_t(cw) * ch, 0.0f);
  for (const auto& [px, py] : points) {
    int x0, y0, x1, y1;
    if (!clip_box(px - radius - 1, py - radius - 1, px + radius + 1, py + radius + 1, x0, y0, x1,
                  y1))
      continue;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        const double d = std::hypot(x + 0.5 - px, y + 0.5 - py);
        const double cov = std::clamp(radius + 0.5 - d, 0.0, 1.0);
        depth[std::size_t(y - cy0_) * cw + (x - cx0_)] += float(k * cov);
      }
  }
  for (int y = cy0_; y < cy1_; ++y)
    for (int x = cx0_; x < cx1_; ++x) {
      const float d = depth[std::size_t(y - cy0_) * cw + (x - cx0_)];
      if (d > 0) blend(x, y, c, 1.0 - std::exp(-double(d)));
    }
}

// ---------------------------------------------------------------- PNG

namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void put_chunk(std::string& out, const char type[4], const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<std::uint32_t>(
                   crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
}

}  // namespace

std::string encode_png(const Canvas& canvas) {
  const int w = canvas.width(), h = canvas.height();
  // Each scanline: filter byte 0 ("none") then the RGB bytes.
  std::string raw;
  raw.reserve(std::size_t(h) * (1 + 3 * std::size_t(w)));
  for (int y = 0; y < h; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(&canvas.rgb()[std::size_t(y) * w * 3]),
               std::size_t(w) * 3);
  }
  uLongf zlen = compressBound(uLong(raw.size()));
  std::string z(zlen, '\0');
  if (compress2(reinterpret_cast<Bytef*>(z.data()), &zlen,
                reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()), 6) != Z_OK)
    throw Error("PNG: zlib compression failed");
  z.resize(zlen);

  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_u32(ihdr, std::uint32_t(w));
  put_u32(ihdr, std::uint32_t(h));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, filter 0, no interlace
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", z);
  put_chunk(png, "IEND", "");
  return png;
}

void write_png(const std::filesystem::path& path, const Canvas& canvas) {
  const std::string bytes = encode_png(canvas);
  AtomicFile file(path, /*binary=*/true);
  file.stream().write(bytes.data(), std::streamsize(bytes.size()));
  file.commit();
}

}  // namespace hamlet::train
