#pragma once
// A small RGB raster for plots, a PNG encoder (zlib only) and a built-in 5x7 bitmap font.
// Coordinates are continuous pixel units: pixel (x, y) covers [x, x+1) x [y, y+1), y down.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hamlet::train {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};
inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};

using Point = std::pair<double, double>;

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = kWhite);
  int width() const { return w_; }
  int height() const { return h_; }
  Rgb pixel(int x, int y) const;
  const std::vector<std::uint8_t>& rgb() const { return rgb_; }  // row-major, 3 bytes per pixel

  // Drawing is limited to the clip rectangle [x0, x1) x [y0, y1) (initially the whole canvas).
  void set_clip(int x0, int y0, int x1, int y1);
  void reset_clip() { set_clip(0, 0, w_, h_); }

  void set(int x, int y, Rgb c);
  void blend(int x, int y, Rgb c, double alpha);
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // [x0, x1) x [y0, y1)
  void rect_outline(int x0, int y0, int x1, int y1, Rgb c);
  // Anti-aliased polyline of the given width; joints are not darkened (per-pixel coverage is the
  // maximum over the segments, blended once).
  void polyline(const std::vector<Point>& points, Rgb c, double width);
  void line(Point a, Point b, Rgb c, double width) { polyline({a, b}, c, width); }
  void disc(Point center, double radius, Rgb c, double alpha = 1.0);
  // Many translucent discs at once, composited as if blended one by one ("over" with equal
  // colours is order independent): O(points) and cheap for ~10^6 points.
  void scatter(const std::vector<Point>& points, Rgb c, double radius, double alpha);

 private:
  // Pixel box of a shape of extent [x0, x1] x [y0, y1], intersected with the clip rectangle.
  bool clip_box(double x0, double y0, double x1, double y1, int& ix0, int& iy0, int& ix1,
                int& iy1) const;
  int w_, h_;
  int cx0_ = 0, cy0_ = 0, cx1_ = 0, cy1_ = 0;
  std::vector<std::uint8_t> rgb_;
};

// PNG bytes (8-bit RGB, one IDAT, filter 0) and an atomic PNG write (temporary file + rename).
std::string encode_png(const Canvas& canvas);
void write_png(const std::filesystem::path& path, const Canvas& canvas);

// Built-in font: 5x7 glyphs (plus 2 rows of descenders) in 6x10 cells, scaled by an integer.
// Covers printable ASCII and µ, −, Δ, Å, °, ², ·; anything else draws as a hollow box.
inline constexpr int kGlyphAdvance = 6, kGlyphHeight = 9;
int text_width(std::string_view utf8, int scale);  // pixels, no trailing gap
int text_height(int scale);                        // cap top to descender bottom
// (x, y) is the top-left corner of the text box. vertical: rotated 90° counter-clockwise,
// reading bottom to top, with (x, y) the top-left of the rotated box.
void draw_text(Canvas& canvas, int x, int y, std::string_view utf8, Rgb c, int scale,
               bool vertical = false);

}  // namespace hamlet::train
