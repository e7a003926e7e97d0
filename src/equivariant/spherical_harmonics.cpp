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

namespace {

// cos and sin of the azimuth alpha and polar angle beta of each vector, [...] each; on the z
// axis alpha = 0. Square roots only see safe arguments, so gradients stay finite.
struct EdgeAngles {
  at::Tensor ca, sa, cb, sb;
};

EdgeAngles edge_angles(const at::Tensor& vectors) {
  check_vectors(vectors, "edge frame");
  at::Tensor x = vectors.select(-1, 0), y = vectors.select(-1, 1), z = vectors.select(-1, 2);
  at::Tensor rho2 = x * x + y * y;
  at::Tensor r = at::sqrt(rho2 + z * z).clamp_min(1e-30);
  at::Tensor on_axis = rho2 <= 1e-30 * (r * r);
  at::Tensor rho = at::sqrt(at::where(on_axis, at::ones_like(rho2), rho2));
  EdgeAngles a;
  a.ca = at::where(on_axis, at::ones_like(x), x / rho);
  a.sa = at::where(on_axis, at::zeros_like(y), y / rho);
  a.cb = z / r;
  a.sb = at::where(on_axis, at::zeros_like(rho), rho / r);
  return a;
}

// cos(m theta) and sin(m theta) for m = 0..lmax from cos and sin of theta: [..., lmax+1] each.
std::pair<at::Tensor, at::Tensor> multiple_angles(const at::Tensor& c, const at::Tensor& s, int lmax) {
  std::vector<at::Tensor> cm{at::ones_like(c)}, sm{at::zeros_like(s)};
  for (int m = 1; m <= lmax; ++m) {
    cm.push_back(m == 1 ? c : c * cm.back() - s * sm.back());
    sm.push_back(m == 1 ? s : s * cm[m - 1] + c * sm.back());
  }
  return {at::stack(cm, -1), at::stack(sm, -1)};
}

// Diagonal and anti-diagonal of Dz(theta) for degree l: Dz = diag(cv) + antidiag(sv), with
// Dz[l+m][l+m] = cos(m theta), Dz[l+m][l-m] = -sin(m theta), Dz[l-m][l+m] = sin(m theta).
std::pair<at::Tensor, at::Tensor> z_rotation_parts(const at::Tensor& cm, const at::Tensor& sm, int l) {
  std::vector<int64_t> absm;
  std::vector<double> sign;
  for (int c = 0; c < 2 * l + 1; ++c) {
    int m = c - l;
    absm.push_back(std::abs(m));
    sign.push_back(m > 0 ? -1.0 : (m < 0 ? 1.0 : 0.0));
  }
  auto idx = at::tensor(absm, at::TensorOptions().dtype(at::kLong).device(cm.device()));
  at::Tensor cv = cm.index_select(-1, idx);
  at::Tensor sv = sm.index_select(-1, idx) * at::tensor(sign, cm.options());
  return {cv, sv};
}

// J_l = D^l(Q) for the rotation Q taking z to y: R_y(theta) = Q R_z(theta) Q^T.
const std::vector<at::Tensor>& z_to_y_wigner() {
  static const std::vector<at::Tensor> J = [] {
    at::Tensor Q = at::tensor({1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, -1.0, 0.0}, at::kDouble).view({3, 3});
    return wigner_D(kMaxL, Q);
  }();
  return J;
}

}  // namespace

at::Tensor edge_frame_rotation(const at::Tensor& vectors) {
  EdgeAngles a = edge_angles(vectors);
  at::Tensor zero = at::zeros_like(a.ca);
  // R_y(-beta) R_z(-alpha)
  return at::stack({at::stack({a.cb * a.ca, a.cb * a.sa, -a.sb}, -1),
                    at::stack({-a.sa, a.ca, zero}, -1),
                    at::stack({a.sb * a.ca, a.sb * a.sa, a.cb}, -1)},
                   -2);
}

std::vector<at::Tensor> edge_frame_wigner_D(int lmax, const at::Tensor& vectors) {
  check_lmax(lmax);
  EdgeAngles a = edge_angles(vectors);
  // Angles -alpha and -beta: cosines unchanged, sines negated.
  auto [ca_m, sa_m] = multiple_angles(a.ca, -a.sa, lmax);
  auto [cb_m, sb_m] = multiple_angles(a.cb, -a.sb, lmax);
  const auto& J = z_to_y_wigner();
  std::vector<at::Tensor> out;
  for (int l = 0; l <= lmax; ++l) {
    at::Tensor Jl = J[l].to(vectors.options());
    auto [cva, sva] = z_rotation_parts(ca_m, sa_m, l);
    auto [cvb, svb] = z_rotation_parts(cb_m, sb_m, l);
    // B = J^T Dz(-alpha): column b mixes columns b and 2l-b of J^T.
    at::Tensor Jt = Jl.t();
    at::Tensor B = Jt * cva.unsqueeze(-2) + Jt.flip(-1) * sva.flip(-1).unsqueeze(-2);
    // C = Dz(-beta) B: row a mixes rows a and 2l-a.
    at::Tensor C = cvb.unsqueeze(-1) * B + svb.unsqueeze(-1) * B.flip(-2);
    // D = J C, as one GEMM over all edges: (C^T J^T)^T.
    out.push_back(at::matmul(C.transpose(-1, -2), Jt).transpose(-1, -2));
  }
  return out;
}

}  // namespace hamlet::equivariant
