// PNG plots: the files are decoded here independently of the encoder (chunk walk, CRC check,
// zlib uncompress) and pixels are checked where the data must be drawn; ticks; bad input.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "train/plot.hpp"

namespace hamlet::train {
namespace {

namespace fs = std::filesystem;

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
  Rgb at(int x, int y) const {
    const std::size_t i = (std::size_t(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

std::uint32_t be32(const std::string& s, std::size_t pos) {
  std::uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(s[pos + k]);
  return v;
}

// Minimal decoder for what the encoder promises: 8-bit RGB, no interlace, filter 0 rows.
Image decode_png(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string png = buf.str();
  EXPECT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  Image img;
  std::string idat;
  std::vector<std::string> types;
  for (std::size_t pos = 8; pos + 12 <= png.size();) {
    const std::uint32_t len = be32(png, pos);
    const std::string type = png.substr(pos + 4, 4);
    const std::string data = png.substr(pos + 8, len);
    const std::string body = png.substr(pos + 4, 4 + len);
    EXPECT_EQ(be32(png, pos + 8 + len),
              crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size())))
        << "CRC of chunk " << type;
    types.push_back(type);
    if (type == "IHDR") {
      img.width = int(be32(data, 0));
      img.height = int(be32(data, 4));
      EXPECT_EQ(data.substr(8), std::string("\x08\x02\x00\x00\x00", 5));
    } else if (type == "IDAT") {
      idat += data;
    }
    pos += 12 + len;
  }
  EXPECT_EQ(types.front(), "IHDR");
  EXPECT_EQ(types.back(), "IEND");
  const std::size_t stride = 1 + 3 * std::size_t(img.width);
  std::vector<std::uint8_t> raw(stride * img.height);
  uLongf raw_len = uLongf(raw.size());
  EXPECT_EQ(uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                       uLong(idat.size())),
            Z_OK);
  EXPECT_EQ(raw_len, raw.size());
  for (int y = 0; y < img.height; ++y) {
    EXPECT_EQ(raw[y * stride], 0) << "filter byte of row " << y;
    img.rgb.insert(img.rgb.end(), raw.begin() + y * stride + 1, raw.begin() + (y + 1) * stride);
  }
  return img;
}

int color_distance(Rgb a, Rgb b) {
  return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b);
}

// Some pixel within `radius` of (x, y) has colour c (within tol).
bool near_color(const Image& img, double x, double y, Rgb c, int radius = 1, int tol = 40) {
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      const int px = int(std::floor(x)) + dx, py = int(std::floor(y)) + dy;
      if (px >= 0 && py >= 0 && px < img.width && py < img.height &&
          color_distance(img.at(px, py), c) <= tol)
        return true;
    }
  return false;
}

class PlotFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hamlet_test_plot_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

template <class F>
void expect_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST_F(PlotFiles, PngRoundTripsExactly) {
  Canvas c(37, 23, Rgb{10, 20, 30});
  for (int y = 0; y < 23; ++y)
    for (int x = 0; x < 37; ++x)
      if ((x * 7 + y * 3) % 5 == 0) c.set(x, y, Rgb{std::uint8_t(x * 6), std::uint8_t(y * 11), 200});
  write_png(dir_ / "a.png", c);
  const Image img = decode_png(dir_ / "a.png");
  ASSERT_EQ(img.width, 37);
  ASSERT_EQ(img.height, 23);
  EXPECT_EQ(img.rgb, c.rgb());
  // Atomic write: only the final file is left.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST(Canvas, LinesDiscsAndScatter) {
  Canvas c(100, 60);
  const Rgb red{220, 0, 0};
  c.line({10.5, 10.5}, {90.5, 50.5}, red, 2.0);
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    const int x = int(10.5 + 80 * t), y = int(10.5 + 40 * t);
    EXPECT_EQ(c.pixel(x, y), red) << x << "," << y;  // the centre line is fully covered
    EXPECT_EQ(c.pixel(x, std::min(59, y + 6)), kWhite);
  }
  c.disc({50, 20}, 4.0, Rgb{0, 0, 200});
  EXPECT_EQ(c.pixel(50, 20), (Rgb{0, 0, 200}));
  EXPECT_EQ(c.pixel(50, 27), kWhite);
  // Three half-transparent dots on one spot = blending three times: 1 - 0.5^3 of the colour.
  c.scatter({{80.5, 10.5}, {80.5, 10.5}, {80.5, 10.5}}, kBlack, 1.0, 0.5);
  EXPECT_NEAR(c.pixel(80, 10).r, 255 * 0.125, 1.5);
  // Clipping keeps drawing inside the rectangle.
  c.set_clip(0, 0, 20, 60);
  c.line({0, 55}, {99, 55}, red, 3.0);
  EXPECT_EQ(c.pixel(10, 55), red);
  EXPECT_EQ(c.pixel(30, 55), kWhite);
}

TEST(Canvas, TextIsDrawnAndMeasured) {
  Canvas c(200, 40);
  EXPECT_EQ(text_width("ab", 2), (2 * 6 - 1) * 2);
  EXPECT_EQ(text_width("µ", 1), 5);  // one glyph for a two-byte UTF-8 character
  draw_text(c, 2, 2, "1e-5", kBlack, 2);
  int ink = 0;
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 200; ++x) ink += c.pixel(x, y) == kBlack;
  EXPECT_GT(ink, 40);
  EXPECT_EQ(c.pixel(2 + text_width("1e-5", 2) + 2, 8), kWhite);
}

TEST(Ticks, NiceSteps) {
  EXPECT_DOUBLE_EQ(nice_step(1.0, 5), 0.2);
  EXPECT_DOUBLE_EQ(nice_step(7.0, 5), 2.0);
  EXPECT_DOUBLE_EQ(nice_step(230.0, 5), 50.0);
  EXPECT_DOUBLE_EQ(nice_step(0.003, 6), 0.0005);
  EXPECT_DOUBLE_EQ(nice_step(10.0, 10), 1.0);
  EXPECT_THROW(nice_step(0.0, 5), Error);
  EXPECT_THROW(nice_step(NAN, 5), Error);
}

TEST(Ticks, LinearAxis) {
  Axis a = linear_axis(0.13, 0.87, 6);
  EXPECT_DOUBLE_EQ(a.lo, 0.0);
  EXPECT_DOUBLE_EQ(a.hi, 1.0);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  a = linear_axis(1, 200, 8);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0", "50", "100", "150", "200"}));
  a = linear_axis(-1, 1, 4);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"-1.0", "-0.5", "0.0", "0.5", "1.0"}));
  a = linear_axis(-3e-5, 2e-5, 5);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"-3e-5", "-2e-5", "-1e-5", "0", "1e-5", "2e-5"}));
  a = linear_axis(0, 2.4e6, 5);
  EXPECT_EQ(a.labels.back(), "2.5e6");
  a = linear_axis(5, 5);  // a single value is widened around itself
  EXPECT_LT(a.lo, 5);
  EXPECT_GT(a.hi, 5);
  a = linear_axis(0, 0);
  EXPECT_DOUBLE_EQ(a.lo, -1);
  EXPECT_DOUBLE_EQ(a.hi, 1);
  EXPECT_THROW(linear_axis(0, INFINITY), Error);
  EXPECT_DOUBLE_EQ(linear_axis(0, 10).fraction(2.5), 0.25);
}

TEST(Ticks, Formatting) {
  EXPECT_EQ(format_tick(2.5e-5, 5e-6, true), "2.5e-5");
  EXPECT_EQ(format_tick(1e-5, 5e-6, true), "1e-5");
  EXPECT_EQ(format_tick(1.5e6, 5e5, true), "1.5e6");
  EXPECT_EQ(format_tick(-0.0, 0.1, false), "0.0");
  EXPECT_EQ(format_tick(3 * 0.1, 0.1, false), "0.3");  // 0.30000000000000004
  EXPECT_EQ(format_tick(1e-17, 0.1, false), "0.0");
  EXPECT_EQ(format_tick(125, 25, false), "125");
}

TEST(Ticks, LogAxis) {
  Axis a = log_axis(3e-5, 0.02);
  EXPECT_DOUBLE_EQ(a.lo, 1e-5);
  EXPECT_DOUBLE_EQ(a.hi, 0.1);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"1e-5", "1e-4", "1e-3", "1e-2", "1e-1"}));
  EXPECT_EQ(a.minor.size(), 4u * 8u);  // 2..9 in each decade
  EXPECT_NEAR(a.fraction(1e-3), 0.5, 1e-12);
  a = log_axis(0.012, 0.08);  // one decade: 2 and 5 labelled too
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0.01", "0.02", "0.05", "0.1"}));
  a = log_axis(0.5, 300);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0.1", "1", "10", "100", "1000"}));
  a = log_axis(1e-12, 1e6);  // 18 decades: every 3rd labelled
  EXPECT_EQ(a.labels, (std::vector<std::string>{"1e-12", "1e-9", "1e-6", "1e-3", "1e0", "1e3",
                                                "1e6"}));
  a = log_axis(1, 1);
  EXPECT_DOUBLE_EQ(a.lo, 1);
  EXPECT_DOUBLE_EQ(a.hi, 10);
  EXPECT_THROW(log_axis(-1, 1), Error);
  EXPECT_THROW(log_axis(0, 1), Error);
}

TEST_F(PlotFiles, LinePlotDrawsWhereTheDataIs) {
  Series s{"train", {}, {}, Rgb{200, 0, 0}};
  for (int i = 0; i <= 100; ++i) s.xs.push_back(i), s.ys.push_back(0.01 * i * i);
  const PlotResult r = line_plot(dir_ / "lc.png", "parabola", "epoch", "loss", {s});
  EXPECT_EQ(r.points, 101u);
  EXPECT_EQ(r.skipped, 0u);
  const Image img = decode_png(dir_ / "lc.png");
  ASSERT_EQ(img.width, 960);
  ASSERT_EQ(img.height, 640);
  const PlotFrame& f = r.frame;
  for (int i : {10, 30, 50, 70}) {  // away from the legend in the top-right corner
    EXPECT_TRUE(near_color(img, f.px(i), f.py(0.01 * i * i), Rgb{200, 0, 0})) << i;
    // Well above the curve (and off the grid lines) the background is white.
    EXPECT_EQ(img.at(int(f.px(i)) + 3, int(f.py(0.01 * i * i)) - 40), kWhite) << i;
  }
  // Frame and labels: some dark pixels left of the data area (tick labels).
  int dark = 0;
  for (int y = f.top; y < f.bottom; ++y)
    for (int x = 0; x < f.left; ++x) dark += color_distance(img.at(x, y), kBlack) < 200;
  EXPECT_GT(dark, 100);
}

TEST_F(PlotFiles, LogLinePlotSkipsAndCounts) {
  Series train{"train", {}, {}, {}}, val{"validation", {}, {}, {}};
  for (int e = 1; e <= 50; ++e) {
    train.xs.push_back(e), train.ys.push_back(std::pow(10.0, -e / 10.0));
    val.xs.push_back(e), val.ys.push_back(2 * std::pow(10.0, -e / 10.0));
  }
  val.ys[10] = NAN, val.ys[11] = INFINITY, val.ys[12] = 0.0, val.ys[13] = -1;  // skipped
  const PlotResult r =
      line_plot(dir_ / "log.png", "learning curve", "epoch", "MSE (Eh²)", {train, val}, true);
  EXPECT_EQ(r.skipped, 4u);
  EXPECT_EQ(r.points, 96u);
  EXPECT_TRUE(r.frame.y.log);
  EXPECT_DOUBLE_EQ(r.frame.y.lo, 1e-5);
  EXPECT_DOUBLE_EQ(r.frame.y.hi, 10.0);  // validation starts at 2 x 10^-0.1
  const Image img = decode_png(dir_ / "log.png");
  for (int e : {5, 20, 40}) {  // straight lines on the log axis
    const double y = std::pow(10.0, -e / 10.0);
    EXPECT_TRUE(near_color(img, r.frame.px(e), r.frame.py(y), plot_color(0))) << e;
    EXPECT_TRUE(near_color(img, r.frame.px(e), r.frame.py(2 * y), plot_color(1))) << e;
  }
}

TEST_F(PlotFiles, ParityPlot) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  std::vector<double> ref, pred;
  double abs_sum = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = 0.2 * normal(rng) - 1.0;
    ref.push_back(x);
    pred.push_back(x + 0.01 * normal(rng));
    abs_sum += std::abs(pred.back() - x);
  }
  ref.push_back(NAN), pred.push_back(1.0);
  ref.push_back(1.0), pred.push_back(-INFINITY);
  const PlotResult r = parity_plot(dir_ / "parity.png", "parity", "reference (Eh)",
                                   "predicted (Eh)", ref, pred);
  EXPECT_EQ(r.points, 200000u);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_NEAR(r.mae, abs_sum / 200000, 1e-12);
  EXPECT_NEAR(r.mae, 0.01 * std::sqrt(2 / M_PI), 2e-4);
  const PlotFrame& f = r.frame;
  EXPECT_DOUBLE_EQ(f.x.lo, f.y.lo);
  EXPECT_DOUBLE_EQ(f.x.hi, f.y.hi);
  EXPECT_EQ(f.right - f.left, f.bottom - f.top);  // square, so y = x is the diagonal
  const Image img = decode_png(dir_ / "parity.png");
  EXPECT_EQ(img.width, f.right + 28);
  // The dense centre of the cloud is dark blue; an empty corner of the data area is white.
  // (Two pixels off the diagonal, beside the y = x line.)
  const Rgb centre = img.at(int(f.px(-1.0) + 2), int(f.py(-1.0) + 2));
  EXPECT_LT(centre.r, 120);
  EXPECT_GT(centre.b, centre.r);
  EXPECT_EQ(img.at(f.right - 20, f.bottom - 20), kWhite);
  // The y = x line continues past the data.
  const double top = f.x.hi - 0.02 * (f.x.hi - f.x.lo);
  EXPECT_TRUE(near_color(img, f.px(top), f.py(top), plot_color(3), 1, 60));
}

TEST_F(PlotFiles, BadInput) {
  expect_error([&] { line_plot(dir_ / "x.png", "t", "x", "y", {}); }, "no series");
  expect_error([&] { line_plot(dir_ / "x.png", "t", "x", "y", {{"s", {}, {}, {}}}); },
               "no drawable data points");
  expect_error([&] { line_plot(dir_ / "x.png", "t", "x", "y", {{"s", {1, 2}, {NAN, INFINITY}, {}}}); },
               "2 skipped");
  expect_error([&] { line_plot(dir_ / "x.png", "t", "x", "y", {{"s", {1, 2}, {0, -1}, {}}}, true); },
               "<= 0 on the log axis");
  expect_error([&] { line_plot(dir_ / "x.png", "t", "x", "y", {{"s", {1, 2}, {1}, {}}}); },
               "2 x values but 1 y values");
  const std::vector<double> one{1.0}, two{1.0, 2.0}, nan2{NAN, NAN};
  expect_error([&] { parity_plot(dir_ / "p.png", "t", "x", "y", one, two); },
               "1 reference values but 2 predictions");
  expect_error([&] { parity_plot(dir_ / "p.png", "t", "x", "y", two, nan2); },
               "no finite data points");
  expect_error([&] { parity_plot(dir_ / "p.png", "t", "x", "y", {}, {}); },
               "no finite data points");
  expect_error([&] { parity_plot(dir_ / "missing" / "p.png", "t", "x", "y", two, two); },
               "output directory does not exist");
  EXPECT_TRUE(fs::is_empty(dir_));  // nothing half-written
  // A single point (zero-width ranges) still plots.
  EXPECT_EQ(parity_plot(dir_ / "p.png", "", "", "", one, one).points, 1u);
  EXPECT_EQ(line_plot(dir_ / "l.png", "", "", "", {{"", {3}, {3}, {}}}).points, 1u);
}

// Every point up to the capacity; beyond it a fixed-size sample, the same every run, that
// draws evenly from the whole stream (the mean offered index of a uniform sample is ~N/2).
TEST(ParitySample, KeepsAllThenAUniformSample) {
  ParitySample few(10);
  for (int k = 0; k < 7; ++k) few.add(k, -k);
  EXPECT_EQ(few.references(), (std::vector<double>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(few.predictions()[6], -6.0);

  const int n = 200000;
  ParitySample a(1000), b(1000);
  for (int k = 0; k < n; ++k) {
    a.add(k, 2.0 * k);
    b.add(k, 2.0 * k);
  }
  EXPECT_EQ(a.offered(), static_cast<size_t>(n));
  ASSERT_EQ(a.references().size(), 1000u);
  EXPECT_EQ(a.references(), b.references());
  double mean = 0.0;
  int late = 0;
  for (size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.predictions()[i], 2.0 * a.references()[i]);  // pairs stay together
    mean += a.references()[i] / 1000.0;
    late += a.references()[i] >= n / 2;
  }
  // Uniform over [0, n): mean n/2 with standard error n / sqrt(12 * 1000) ~ 1830; half the
  // points from the second half, standard error ~16. Bounds at ~4 standard errors.
  EXPECT_NEAR(mean, n / 2.0, 7500.0);
  EXPECT_NEAR(late, 500, 64);
  EXPECT_ANY_THROW(ParitySample(0));
}

}  // namespace
}  // namespace hamlet::train
