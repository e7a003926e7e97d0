#include "equivariant/spherical_harmonics.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <map>
#include <mutex>

#include "core/error.hpp"
#include "equivariant/so3.hpp"

namespace hamlet::equivariant {
namespace {

void check_lmax(int lmax) {
  if (lmax < 0 || lmax > kMaxL)
    throw Error("spherical harmonics: lmax = " + std::to_string(lmax) + " outside 0.." +
                std::to_string(kMaxL));
}

void check_vectors(const at::Tensor& v, const char* what) {
  if (v.dim() < 1 || v.size(-1) != 3)
    throw Error(std::string(what) + ": expected Cartesian vectors [..., 3], got shape " +
                std::to_string(v.dim()) + "-d with last size " +
                (v.dim() ? std::to_string(v.size(-1)) : std::string("none")));
  if (!at::isFloatingType(v.scalar_type()))
    throw Error(std::string(what) + ": expected a floating-point tensor");
}

// Monomial exponents for all l <= lmax (concatenated) and the block-diagonal map from
// monomials to Racah-normalised harmonics, in double.
struct MonomialTable {
  at::Tensor ex, ey, ez;  // int64 [ncart_total]
  at::Tensor coef;        // double [ncart_total, (lmax+1)^2]
};

const MonomialTable& monomial_table(int lmax) {
  static std::mutex mutex;
  static std::map<int, MonomialTable> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(lmax);
  if (it != cache.end()) return it->second;
  std::vector<int64_t> ex, ey, ez;
  for (int l = 0; l <= lmax; ++l)
    for (auto [a, b, c] : cartesian_exponents(l)) {
      ex.push_back(a);
      ey.push_back(b);
      ez.push_back(c);
    }
  const int64_t ncart = static_cast<int64_t>(ex.size());
  const int64_t nsh = (lmax + 1) * (lmax + 1);
  at::Tensor coef = at::zeros({ncart, nsh}, at::kDouble);
  auto acc = coef.accessor<double, 2>();
  int64_t row = 0;
  for (int l = 0; l <= lmax; ++l) {
    const auto& c = solid_harmonic_coefficients(l);
    const int64_t n = (l + 1) * (l + 2) / 2;
    for (int64_t i = 0; i < n; ++i)
      for (int m = 0; m < 2 * l + 1; ++m) acc[row + i][l * l + m] = c[i * (2 * l + 1) + m];
    row += n;
  }
  auto opts = at::TensorOptions().dtype(at::kLong);
  MonomialTable t{at::tensor(ex, opts), at::tensor(ey, opts), at::tensor(ez, opts), coef};
  return cache.emplace(lmax, std::move(t)).first->second;
}

// Fixed fitting points and, per l, K_l = Y(P) (Y(P)^T Y(P))^-1 so that D^l(R) = Y(R P)^T K_l.
// The fit is exact because Y_l(R p) = D^l(R) Y_l(p) holds for every point p.
struct WignerFit {
  at::Tensor points;            // double [N, 3]
  std::vector<at::Tensor> fit;  // double [N, 2l+1]
};

const WignerFit& wigner_fit(int lmax) {
  static std::mutex mutex;
  static std::map<int, WignerFit> cache;
  {
    std::lock_guard lock(mutex);
    auto it = cache.find(lmax);
    if (it != cache.end()) return it->second;
  }
  // Fibonacci sphere with twice the minimal number of points: well conditioned for every l.
  const int64_t n = 2 * (2 * lmax + 1) + 2;
  at::Tensor points = at::empty({n, 3}, at::kDouble);
  auto p = points.accessor<double, 2>();
  const double golden = M_PI * (3.0 - std::sqrt(5.0));
  for (int64_t i = 0; i < n; ++i) {
    double z = 1.0 - (2.0 * i + 1.0) / n, r = std::sqrt(1.0 - z * z);
    p[i][0] = r * std::cos(golden * i);
    p[i][1] = r * std::sin(golden * i);
    p[i][2] = z;
  }
  at::Tensor y = spherical_harmonics(lmax, points, false, ShNorm::kNorm);
  WignerFit f{points, {}};
  for (int l = 0; l <= lmax; ++l) {
    at::Tensor yl = y.narrow(1, l * l, 2 * l + 1);
    f.fit.push_back(at::linalg_solve(at::matmul(yl.t(), yl), yl.t()).t().contiguous());
  }
  std::lock_guard lock(mutex);
  return cache.emplace(lmax, std::move(f)).first->second;
}

}  // namespace

double sh_normalization_factor(int l, ShNorm norm) {
  switch (norm) {
    case ShNorm::kComponent:
      return std::sqrt(2.0 * l + 1.0);
    case ShNorm::kIntegral:
      return std::sqrt((2.0 * l + 1.0) / (4.0 * M_PI));
    case ShNorm::kNorm:
      return 1.0;
  }
  throw Error("unknown spherical-harmonic normalisation");
}

at::Tensor spherical_harmonics(int lmax, const at::Tensor& vectors, bool normalize, ShNorm norm) {
  check_lmax(lmax);
  check_vectors(vectors, "spherical_harmonics");
  at::Tensor v = vectors;
  if (normalize) v = v / at::linalg_vector_norm(v, 2, {-1}, true).clamp_min(1e-30);
  const auto& table = monomial_table(lmax);
  const auto dev = v.device();
  // Powers [..., lmax+1] of each coordinate by repeated products (differentiable, exact).
  auto powers = [&](int64_t axis) {
    at::Tensor c = v.select(-1, axis);
    std::vector<at::Tensor> pw{at::ones_like(c)};
    for (int k = 1; k <= lmax; ++k) pw.push_back(k == 1 ? c : pw.back() * c);
    return at::stack(pw, -1);
  };
  at::Tensor mono = powers(0).index_select(-1, table.ex.to(dev)) *
                    powers(1).index_select(-1, table.ey.to(dev)) *
                    powers(2).index_select(-1, table.ez.to(dev));
  at::Tensor coef = table.coef.clone();
  for (int l = 0; l <= lmax; ++l)
    coef.narrow(1, l * l, 2 * l + 1).mul_(sh_normalization_factor(l, norm));
  return at::matmul(mono, coef.to(v.options()));
}

std::vector<at::Tensor> wigner_D(int lmax, const at::Tensor& rotations) {
  check_lmax(lmax);
  if (rotations.dim() < 2 || rotations.size(-1) != 3 || rotations.size(-2) != 3)
    throw Error("wigner_D: expected rotation matrices [..., 3, 3]");
  const auto& f = wigner_fit(lmax);
  const auto opts = rotations.options();
  // Rotated points R p_i as rows: [..., N, 3].
  at::Tensor rotated = at::matmul(f.points.to(opts), rotations.transpose(-1, -2));
  at::Tensor y = spherical_harmonics(lmax, rotated, false, ShNorm::kNorm);
  std::vector<at::Tensor> out;
  for (int l = 0; l <= lmax; ++l)
    out.push_back(at::matmul(y.narrow(-1, l * l, 2 * l + 1).transpose(-1, -2), f.fit[l].to(opts)));
  return out;
}

at::Tensor irreps_D(const Irreps& irreps, const at::Tensor& rotations, bool inversion) {
  const int lmax = irreps.empty() ? 0 : irreps.lmax();
  auto D = wigner_D(lmax, rotations);
  auto batch = rotations.sizes().vec();
  batch.resize(batch.size() - 2);
  auto shape = batch;
  shape.push_back(irreps.dim());
  shape.push_back(irreps.dim());
  at::Tensor out = at::zeros(shape, rotations.options());
  for (size_t i = 0; i < irreps.size(); ++i) {
    const auto& e = irreps[i];
    const int d = e.ir.dim();
    at::Tensor block = inversion && e.ir.p == -1 ? -D[e.ir.l] : D[e.ir.l];
    for (int u = 0; u < e.mul; ++u) {
      const int64_t start = irreps.slice(i).start + u * d;
      out.narrow(-2, start, d).narrow(-1, start, d).copy_(block);
    }
  }
  return out;
}

at::Tensor edge_frame_rotation(const at::Tensor& vectors) {
  check_vectors(vectors, "edge_frame_rotation");
  at::Tensor a = vectors / at::linalg_vector_norm(vectors, 2, {-1}, true).clamp_min(1e-30);
  at::Tensor ax = a.select(-1, 0), ay = a.select(-1, 1), c = a.select(-1, 2);
  // Rodrigues rotation taking a to +z (for c >= 0) or to -z followed by a half turn about x
  // (for c < 0): both branches stay away from the singular 1 + c = 0. The clamp only protects
  // the branch that torch.where discards, so its gradient is finite.
  auto rodrigues = [&](const at::Tensor& vx, const at::Tensor& vy, const at::Tensor& cos) {
    at::Tensor zero = at::zeros_like(vx);
    at::Tensor K = at::stack({at::stack({zero, zero, vy}, -1), at::stack({zero, zero, -vx}, -1),
                              at::stack({-vy, vx, zero}, -1)},
                             -2);
    at::Tensor eye = at::eye(3, vectors.options()).expand_as(K);
    return eye + K + at::matmul(K, K) / (1.0 + cos).clamp_min(1.0).unsqueeze(-1).unsqueeze(-1);
  };
  at::Tensor up = rodrigues(ay, -ax, c);  // v = a x z
  at::Tensor half_turn = at::diag(at::tensor({1.0, -1.0, -1.0}, vectors.options()));
  at::Tensor down = at::matmul(half_turn, rodrigues(-ay, ax, -c));  // v = a x (-z)
  return at::where((c >= 0).unsqueeze(-1).unsqueeze(-1), up, down);
}

}  // namespace hamlet::equivariant
