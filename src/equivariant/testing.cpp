#include "equivariant/testing.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "equivariant/so3.hpp"
#include "equivariant/spherical_harmonics.hpp"

namespace hamlet::equivariant::testing {
namespace {

double max_abs(const at::Tensor& t) {
  return t.numel() ? t.detach().abs().max().item<double>() : 0.0;
}

// g x for g = (R, inversion) acting on a batch x [..., dim].
at::Tensor act(const Rep& rep, const at::Tensor& x, const at::Tensor& R, bool inversion) {
  if (x.size(-1) != rep.dim())
    throw Error("equivariance check: tensor has last size " + std::to_string(x.size(-1)) +
                " but its representation has dimension " + std::to_string(rep.dim()));
  if (rep.cartesian) {
    at::Tensor y = at::matmul(x, R.transpose(0, 1));
    return inversion ? -y : y;
  }
  if (rep.matrix) {
    at::Tensor X = x.unflatten(-1, {rep.irreps.dim(), rep.cols.dim()});
    at::Tensor Dr = irreps_D(rep.irreps, R, inversion), Dc = irreps_D(rep.cols, R, inversion);
    return at::matmul(at::matmul(Dr, X), Dc.transpose(0, 1)).flatten(-2, -1);
  }
  // Block by block: a dense [dim, dim] matrix would be huge for e.g. thousands of weights.
  const auto D = wigner_D(rep.irreps.empty() ? 0 : rep.irreps.lmax(), R);
  std::vector<at::Tensor> parts;
  for (size_t i = 0; i < rep.irreps.size(); ++i) {
    const auto& e = rep.irreps[i];
    at::Tensor xe = x.narrow(-1, rep.irreps.slice(i).start, e.dim()).unflatten(-1, {e.mul, e.ir.dim()});
    at::Tensor ye = at::matmul(xe, D[e.ir.l].transpose(0, 1));
    parts.push_back((inversion && e.ir.p == -1 ? -ye : ye).flatten(-2, -1));
  }
  return parts.empty() ? x : at::cat(parts, -1);
}

// Gauss–Legendre nodes and weights on [-1, 1] by Newton iteration on P_n.
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  x.resize(n);
  w.resize(n);
  for (int i = 0; i < n; ++i) {
    double z = std::cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1, p1 = z;
      for (int k = 2; k <= n; ++k) {
        double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (z * p1 - p0) / (z * z - 1);
      double dz = p1 / dp;
      z -= dz;
      if (std::abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2.0 / ((1 - z * z) * dp * dp);
  }
}

}  // namespace

std::string Rep::str() const {
  if (cartesian) return "xyz";
  if (!matrix) return irreps.str();
  std::string s = "(";
  s += irreps.str();
  s += ")x(";
  s += cols.str();
  s += ")";
  return s;
}

at::Tensor random_rotation(int64_t n, at::ScalarType dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  at::Tensor q = at::randn({n, 4}, gen, at::TensorOptions().dtype(at::kDouble));
  q = q / at::linalg_vector_norm(q, 2, {-1}, true);
  at::Tensor w = q.select(1, 0), x = q.select(1, 1), y = q.select(1, 2), z = q.select(1, 3);
  at::Tensor R = at::stack(
      {at::stack({1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)}, -1),
       at::stack({2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)}, -1),
       at::stack({2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}, -1)},
      -2);
  return R.to(dtype);
}

double equivariance_error(const TensorFunction& f, const std::vector<Rep>& inputs,
                          const std::vector<Rep>& outputs, at::ScalarType dtype,
                          const EquivarianceOptions& options) {
  auto gen = at::detail::createCPUGenerator(options.seed);
  auto opts = at::TensorOptions().dtype(dtype);
  double worst = 0;
  for (int trial = 0; trial < options.trials; ++trial) {
    at::Tensor R = random_rotation(1, dtype, options.seed + 1000 + trial)[0];
    for (bool inversion : {false, true}) {
      if (inversion && !options.inversion) continue;
      std::vector<at::Tensor> x, gx;
      for (const auto& rep : inputs) {
        x.push_back(at::randn({options.batch, rep.dim()}, gen, opts));
        gx.push_back(act(rep, x.back(), R, inversion));
      }
      auto fx = f(x);
      auto fgx = f(gx);
      if (fx.size() != outputs.size() || fgx.size() != outputs.size())
        throw Error("equivariance check: function returned " + std::to_string(fx.size()) +
                    " outputs, expected " + std::to_string(outputs.size()));
      for (size_t k = 0; k < outputs.size(); ++k) {
        at::Tensor expected = act(outputs[k], fx[k].detach(), R, inversion);
        double err = max_abs(fgx[k] - expected);
        worst = std::max(worst, err / std::max(1.0, max_abs(fx[k])));
      }
    }
  }
  return worst;
}

double assert_equivariant(const TensorFunction& f, const std::vector<Rep>& inputs,
                          const std::vector<Rep>& outputs, at::ScalarType dtype, double tolerance,
                          const EquivarianceOptions& options) {
  double err = equivariance_error(f, inputs, outputs, dtype, options);
  if (!(err <= tolerance)) {
    std::ostringstream msg;
    msg << "equivariance error " << err << " exceeds tolerance " << tolerance << " (inputs";
    for (const auto& r : inputs) msg << " " << r.str();
    msg << "; outputs";
    for (const auto& r : outputs) msg << " " << r.str();
    msg << ")";
    throw Error(msg.str());
  }
  return err;
}

double gradient_error(const TensorFunction& f, const std::vector<at::Tensor>& inputs,
                      double step, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<at::Tensor> leaves;
  for (const auto& x : inputs) leaves.push_back(x.detach().clone().requires_grad_(x.requires_grad()));
  auto outputs = f(leaves);
  std::vector<at::Tensor> cotangents;
  for (const auto& y : outputs) cotangents.push_back(at::randn(y.sizes(), gen, y.options()));
  auto scalar = [&](const std::vector<at::Tensor>& ys) {
    at::Tensor s = at::zeros({}, ys.at(0).options());
    for (size_t k = 0; k < ys.size(); ++k) s = s + (ys[k] * cotangents[k]).sum();
    return s;
  };
  std::vector<at::Tensor> wrt;
  std::vector<size_t> wrt_index;
  for (size_t i = 0; i < leaves.size(); ++i)
    if (leaves[i].requires_grad()) {
      wrt.push_back(leaves[i]);
      wrt_index.push_back(i);
    }
  if (wrt.empty()) throw Error("gradient check: no input requires grad");
  auto grads = torch::autograd::grad({scalar(outputs)}, wrt, {}, false, false, true);
  at::NoGradGuard no_grad;
  double worst = 0;
  for (size_t g = 0; g < wrt.size(); ++g) {
    at::Tensor analytic = grads[g].defined() ? grads[g].contiguous().view(-1)
                                             : at::zeros({wrt[g].numel()}, wrt[g].options());
    std::vector<at::Tensor> probe;
    for (const auto& l : leaves) probe.push_back(l.detach().clone());
    at::Tensor flat = probe[wrt_index[g]].view(-1);
    for (int64_t j = 0; j < flat.numel(); ++j) {
      double x0 = flat[j].item<double>();
      flat[j] = x0 + step;
      double plus = scalar(f(probe)).item<double>();
      flat[j] = x0 - step;
      double minus = scalar(f(probe)).item<double>();
      flat[j] = x0;
      double numeric = (plus - minus) / (2 * step);
      double a = analytic[j].item<double>();
      worst = std::max(worst, std::abs(numeric - a) / std::max(1.0, std::abs(a)));
    }
  }
  return worst;
}

double assert_gradients(const TensorFunction& f, const std::vector<at::Tensor>& inputs,
                        double tolerance, double step) {
  double err = gradient_error(f, inputs, step);
  if (!(err <= tolerance))
    throw Error("gradient check: autograd and central differences differ by " +
                std::to_string(err) + " (tolerance " + std::to_string(tolerance) + ")");
  return err;
}

double clebsch_gordan_orthonormality_error(int lmax) {
  double worst = 0;
  for (int l1 = 0; l1 <= lmax; ++l1)
    for (int l2 = 0; l2 <= lmax; ++l2) {
      if (l1 + l2 > kMaxL) continue;
      const int n12 = (2 * l1 + 1) * (2 * l2 + 1);
      std::vector<double> completeness(n12 * n12, 0.0);
      for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
        const int n3 = 2 * L + 1;
        const auto& w = wigner_3j(l1, l2, L);
        for (int M = 0; M < n3; ++M)
          for (int M2 = 0; M2 < n3; ++M2) {
            double dot = 0;
            for (int ab = 0; ab < n12; ++ab) dot += w[ab * n3 + M] * w[ab * n3 + M2];
            worst = std::max(worst, std::abs(dot * n3 - (M == M2 ? 1.0 : 0.0)));
          }
        for (int ab = 0; ab < n12; ++ab)
          for (int cd = 0; cd < n12; ++cd)
            for (int M = 0; M < n3; ++M)
              completeness[ab * n12 + cd] += n3 * w[ab * n3 + M] * w[cd * n3 + M];
      }
      for (int ab = 0; ab < n12; ++ab)
        for (int cd = 0; cd < n12; ++cd)
          worst = std::max(worst, std::abs(completeness[ab * n12 + cd] - (ab == cd ? 1.0 : 0.0)));
    }
  return worst;
}

double spherical_harmonics_identity_error(int lmax, at::ScalarType dtype) {
  auto opts = at::TensorOptions().dtype(dtype);
  double worst = 0;
  // Addition theorem at random pairs of directions.
  auto gen = at::detail::createCPUGenerator(99);
  at::Tensor a = at::randn({64, 3}, gen, opts), b = at::randn({64, 3}, gen, opts);
  at::Tensor ya = spherical_harmonics(lmax, a), yb = spherical_harmonics(lmax, b);
  at::Tensor t = (a / a.norm(2, -1, true) * (b / b.norm(2, -1, true))).sum(-1);
  at::Tensor p_prev = at::ones_like(t), p = t;
  for (int l = 0; l <= lmax; ++l) {
    at::Tensor pl = l == 0 ? p_prev : p;
    at::Tensor lhs = (ya.narrow(1, l * l, 2 * l + 1) * yb.narrow(1, l * l, 2 * l + 1)).sum(-1);
    worst = std::max(worst, max_abs(lhs - (2 * l + 1) * pl) / (2 * l + 1));
    if (l >= 1) {
      at::Tensor next = ((2.0 * l + 1) * t * p - l * p_prev) / (l + 1.0);
      p_prev = p;
      p = next;
    }
  }
  // Orthonormality with a quadrature exact for polynomials of degree 2 lmax on the sphere.
  std::vector<double> z, wz;
  gauss_legendre(lmax + 1, z, wz);
  const int nphi = 2 * lmax + 2;
  std::vector<double> pts, wts;
  for (size_t i = 0; i < z.size(); ++i)
    for (int k = 0; k < nphi; ++k) {
      double phi = 2 * M_PI * k / nphi, s = std::sqrt(1 - z[i] * z[i]);
      pts.insert(pts.end(), {s * std::cos(phi), s * std::sin(phi), z[i]});
      wts.push_back(wz[i] * 2 * M_PI / nphi);
    }
  at::Tensor P = at::tensor(pts, at::kDouble).view({-1, 3}).to(dtype);
  at::Tensor W = at::tensor(wts, at::kDouble).to(dtype);
  at::Tensor Y = spherical_harmonics(lmax, P, true, ShNorm::kIntegral);
  at::Tensor gram = at::matmul(Y.transpose(0, 1) * W, Y);
  worst = std::max(worst, max_abs(gram - at::eye(gram.size(0), opts)));
  return worst;
}

}  // namespace hamlet::equivariant::testing
