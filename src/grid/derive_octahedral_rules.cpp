// Derives the octahedrally symmetric spherical quadratures used by hamlet (the rules of
// Lebedev's type) from scratch, and prints them as table entries for octahedral_rules.cpp.
//
//   derive_octahedral_rules <degree> <points> [tries=400] [b-orbits] [seed=1000]
//
// A rule is a union of orbits of the octahedral group O_h (6 points (1,0,0), 12 (1,1,0)/sqrt2,
// 8 (1,1,1)/sqrt3, 24-point orbits (l,l,m) and (p,q,0), 48-point orbits (r,s,t)) with one weight
// per orbit. Because the weights are equal on an orbit, the rule integrates every polynomial of
// degree <= L exactly iff it integrates the O_h-invariant harmonics of even degree < L, so we
// solve  sum_orbits W |orbit| phi_j(generator) = integral phi_j  for an orthonormal basis phi_j
// of those invariants, with as many unknowns as equations (this fixes the orbit counts up to
// the split between (l,l,m) and (p,q,0) orbits, the optional 4th argument). The phi_j are
// Legendre polynomials P_l(n . r) averaged over the images of a few symmetric directions n,
// orthonormalised with an exact product rule.
// Each attempt: random orbits spread out by minimising a repulsion energy; variable projection
// (weights eliminated by linear least squares, Levenberg-Marquardt on the positions with
// Kaufman's Jacobian); Levenberg-Marquardt on everything; Newton polish in long double to a
// residual ~1e-17. Only solutions with positive weights and distinct, non-degenerate orbits
// are printed. The table was made with (degree points tries b-orbits):
//   7 26 | 11 50 | 17 110 400 3 | 23 194 400 4 | 29 302 400 6 | 35 434 400 7 | 41 590 400 9
// and reproduces Lebedev's published rules of those sizes (tests compare weights).
// DERIVE_VERBOSE=1 prints the residual reached by each attempt.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {
constexpr int kDirections = 5;  // invariants per degree are <= 5 below degree 60
const int kPerms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using V3 = Eigen::Matrix<T, 3, 1>;

template <class T>
struct InvariantBasis {
  int L = 0, size = 0;
  std::vector<int> degree, first;
  std::vector<Mat<T>> coef;  // lower-triangular: phi_i = sum_k coef(i,k) Psi_k
  // Psi_k(r) = mean over the images m of direction k (up to sign) of P_l(m . r): the group
  // average of P_l(n_k . g r). Symmetric directions have few images, which keeps this cheap.
  std::vector<V3<T>> images[kDirections];
};

// Psi[l][k] and its gradient with respect to r (even l only).
template <class T>
void symmetrised(const InvariantBasis<T>& B, const V3<T>& r, std::vector<std::array<T, kDirections>>& psi,
                 std::vector<std::array<V3<T>, kDirections>>& dpsi) {
  const int L = B.L;
  psi.assign(L + 1, {});
  dpsi.assign(L + 1, {});
  std::vector<T> P(L + 1), dP(L + 1);
  for (int k = 0; k < kDirections; ++k) {
    for (int l = 0; l <= L; ++l) {
      psi[l][k] = 0;
      dpsi[l][k].setZero();
    }
    const T inv = T(1) / T(B.images[k].size());
    for (const V3<T>& m : B.images[k]) {
      const T d = m.dot(r);
      P[0] = 1;
      dP[0] = 0;
      if (L >= 1) {
        P[1] = d;
        dP[1] = 1;
      }
      for (int j = 2; j <= L; ++j) {
        P[j] = ((2 * j - 1) * d * P[j - 1] - (j - 1) * P[j - 2]) / j;
        dP[j] = dP[j - 2] + (2 * j - 1) * P[j - 1];
      }
      for (int l = 0; l <= L; l += 2) {
        psi[l][k] += inv * P[l];
        dpsi[l][k] += (inv * dP[l]) * m;
      }
    }
  }
}

// Gauss-Legendre x trapezoid product rule exact to `degree`, for the orthonormalisation.
template <class T>
void product_rule(int degree, std::vector<V3<T>>& points, std::vector<T>& weights) {
  const int nt = degree / 2 + 1, nphi = degree + 2;
  const T pi = std::acos(T(-1));
  for (int i = 0; i < nt; ++i) {
    T t = std::cos(pi * (i + T(0.75)) / (nt + T(0.5))), dp = 1;
    for (int it = 0; it < 200; ++it) {
      T p0 = 1, p1 = t;
      for (int k = 2; k <= nt; ++k) {
        const T p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = nt * (t * p1 - p0) / (t * t - 1);
      const T dt = p1 / dp;
      t -= dt;
      if (std::abs(dt) < 1e-19) break;
    }
    const T w = 2 / ((1 - t * t) * dp * dp);
    for (int j = 0; j < nphi; ++j) {
      const T s = std::sqrt(1 - t * t), phi = 2 * pi * (j + T(0.5)) / nphi;
      points.push_back(V3<T>(s * std::cos(phi), s * std::sin(phi), t));
      weights.push_back(w * 2 * pi / nphi);
    }
  }
}

template <class T>
InvariantBasis<T> make_basis(int L) {
  InvariantBasis<T> B;
  B.L = L;
  // Directions (1,0,0), (1,1,1), (1,1,0), (1,1,2), (1,2,0): 3, 4, 6, 12 and 12 images.
  const int dirs[kDirections][3] = {{1, 0, 0}, {1, 1, 1}, {1, 1, 0}, {1, 1, 2}, {1, 2, 0}};
  for (int k = 0; k < kDirections; ++k) {
    V3<T> n(T(dirs[k][0]), T(dirs[k][1]), T(dirs[k][2]));
    n /= n.norm();
    for (const auto& p : kPerms)
      for (int sg = 0; sg < 8; ++sg) {
        V3<T> m;
        for (int c = 0; c < 3; ++c) m[c] = (sg >> c & 1) ? -n[p[c]] : n[p[c]];
        bool seen = false;
        for (const auto& q : B.images[k]) seen = seen || (q - m).norm() < 1e-12 || (q + m).norm() < 1e-12;
        if (!seen) B.images[k].push_back(m);
      }
  }
  std::vector<V3<T>> P;
  std::vector<T> W;
  product_rule<T>(2 * L + 2, P, W);
  std::vector<std::vector<std::array<T, kDirections>>> values(P.size());
  std::vector<std::array<V3<T>, kDirections>> unused;
  for (size_t i = 0; i < P.size(); ++i) symmetrised(B, P[i], values[i], unused);
  for (int l = 0; l <= L; l += 2) {
    int m = 0;  // invariant harmonics of degree l: #{(a,b): 4a + 6b = l}
    for (int a = 0; 4 * a <= l; ++a)
      if ((l - 4 * a) % 6 == 0) ++m;
    if (m == 0) continue;
    Mat<T> F(P.size(), m);
    for (size_t i = 0; i < P.size(); ++i)
      for (int k = 0; k < m; ++k) F(i, k) = values[i][l][k];
    Mat<T> G = Mat<T>::Zero(m, m);
    for (size_t i = 0; i < P.size(); ++i) G += W[i] * F.row(i).transpose() * F.row(i);
    Eigen::LLT<Mat<T>> llt(G);
    if (llt.info() != Eigen::Success || llt.matrixL().toDenseMatrix().diagonal().minCoeff() < T(1e-6)) {
      std::fprintf(stderr, "invariant functions of degree %d are not independent\n", l);
      std::exit(1);
    }
    B.degree.push_back(l);
    B.first.push_back(B.size);
    B.coef.push_back(Mat<T>(llt.matrixL()).inverse());
    B.size += m;
  }
  return B;
}

struct Structure {
  int a1 = 1, a2 = 0, a3 = 0, nb = 0, nc = 0, nd = 0;
  int weights() const { return a1 + a2 + a3 + nb + nc + nd; }
  int unknowns() const { return weights() + nb + nc + 2 * nd; }
  int points() const { return 6 * a1 + 12 * a2 + 8 * a3 + 24 * (nb + nc) + 48 * nd; }
};

// Residual R_j = sum_o W_o |o| phi_j(g_o) - integral phi_j and its Jacobian. Parameters:
// weights, then angle t of each (l,l,m) = (sin t/sqrt2, sin t/sqrt2, cos t), angle f of each
// (cos f, sin f, 0), angles (t, f) of each 48-point generator.
template <class T>
void equations(const InvariantBasis<T>& B, const Structure& s, const Vec<T>& x, Vec<T>& R, Mat<T>* J,
               int rows) {
  const T pi = std::acos(T(-1)), r2 = std::sqrt(T(2));
  R = Vec<T>::Zero(rows);
  R[0] = -std::sqrt(4 * pi);
  if (J) J->setZero(rows, s.unknowns());
  int o = 0, p = s.weights();
  std::vector<std::array<T, kDirections>> psi;
  std::vector<std::array<V3<T>, kDirections>> dpsi;
  auto add = [&](const V3<T>& g, T size, int param, const Mat<T>& dg) {
    symmetrised(B, g, psi, dpsi);
    for (size_t b = 0; b < B.degree.size(); ++b) {
      const int l = B.degree[b];
      for (int i = 0; i < B.coef[b].rows(); ++i) {
        T v = 0;
        V3<T> dv = V3<T>::Zero();
        for (int k = 0; k <= i; ++k) {
          v += B.coef[b](i, k) * psi[l][k];
          dv += B.coef[b](i, k) * dpsi[l][k];
        }
        const int j = B.first[b] + i;
        if (j >= rows) continue;
        R[j] += x[o] * size * v;
        if (!J) continue;
        (*J)(j, o) = size * v;
        for (int q = 0; q < dg.cols(); ++q) (*J)(j, param + q) = x[o] * size * dv.dot(dg.col(q));
      }
    }
    ++o;
  };
  const Mat<T> none(3, 0);
  if (s.a1) add(V3<T>(1, 0, 0), 6, 0, none);
  if (s.a2) add(V3<T>(1, 1, 0) / r2, 12, 0, none);
  if (s.a3) add(V3<T>(1, 1, 1) / std::sqrt(T(3)), 8, 0, none);
  for (int k = 0; k < s.nb; ++k, ++p) {
    const T t = x[p];
    Mat<T> d(3, 1);
    d << std::cos(t) / r2, std::cos(t) / r2, -std::sin(t);
    add(V3<T>(std::sin(t) / r2, std::sin(t) / r2, std::cos(t)), 24, p, d);
  }
  for (int k = 0; k < s.nc; ++k, ++p) {
    const T f = x[p];
    Mat<T> d(3, 1);
    d << -std::sin(f), std::cos(f), 0;
    add(V3<T>(std::cos(f), std::sin(f), 0), 24, p, d);
  }
  for (int k = 0; k < s.nd; ++k, p += 2) {
    const T t = x[p], f = x[p + 1];
    Mat<T> d(3, 2);
    d << std::cos(t) * std::cos(f), -std::sin(t) * std::sin(f), std::cos(t) * std::sin(f),
        std::sin(t) * std::cos(f), -std::sin(t), 0;
    add(V3<T>(std::sin(t) * std::cos(f), std::sin(t) * std::sin(f), std::cos(t)), 48, p, d);
  }
  (void)pi;
}

// Orbit generators in canonical form: sorted absolute coordinates, descending.
std::vector<Eigen::Vector3d> generators(const Structure& s, const Vec<long double>& x) {
  std::vector<Eigen::Vector3d> g;
  const long double r2 = std::sqrt(2.0L);
  auto canon = [&](long double a, long double b, long double c) {
    Eigen::Vector3d v(double(std::abs(a)), double(std::abs(b)), double(std::abs(c)));
    std::sort(v.data(), v.data() + 3, std::greater<double>());
    g.push_back(v);
  };
  int p = s.weights();
  if (s.a1) canon(1, 0, 0);
  if (s.a2) canon(1 / r2, 1 / r2, 0);
  if (s.a3) canon(1 / std::sqrt(3.0L), 1 / std::sqrt(3.0L), 1 / std::sqrt(3.0L));
  for (int k = 0; k < s.nb; ++k, ++p) canon(std::sin(x[p]) / r2, std::sin(x[p]) / r2, std::cos(x[p]));
  for (int k = 0; k < s.nc; ++k, ++p) canon(std::cos(x[p]), std::sin(x[p]), 0);
  for (int k = 0; k < s.nd; ++k, p += 2)
    canon(std::sin(x[p]) * std::cos(x[p + 1]), std::sin(x[p]) * std::sin(x[p + 1]), std::cos(x[p]));
  return g;
}

bool degenerate(const Structure& s, const std::vector<Eigen::Vector3d>& g) {
  const double eps = 1e-6;
  for (size_t i = 0; i < g.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if ((g[i] - g[j]).norm() < eps) return true;
  const int fixed = s.a1 + s.a2 + s.a3;
  for (int k = 0; k < s.nb; ++k) {  // (l,l,m) must not collapse onto a1, a2 or a3
    const Eigen::Vector3d& v = g[fixed + k];
    if (v[2] < eps || std::abs(v[0] - v[2]) < eps) return true;
  }
  for (int k = 0; k < s.nc; ++k) {  // (p,q,0): p != q, p != 0
    const Eigen::Vector3d& v = g[fixed + s.nb + k];
    if (v[1] < eps || std::abs(v[0] - v[1]) < eps) return true;
  }
  for (int k = 0; k < s.nd; ++k) {  // (r,s,t): all distinct and non-zero
    const Eigen::Vector3d& v = g[fixed + s.nb + s.nc + k];
    if (v[2] < eps || v[0] - v[1] < eps || v[1] - v[2] < eps) return true;
  }
  return false;
}

template <class T>
bool levenberg_marquardt(const InvariantBasis<T>& B, const Structure& s, Vec<T>& x, int max_iter,
                         T target, int rows) {
  Vec<T> R;
  Mat<T> J;
  equations(B, s, x, R, &J, rows);
  T f = R.squaredNorm(), lambda = 1e-2;
  for (int it = 0; it < max_iter && f > target; ++it) {
    const Mat<T> A = J.transpose() * J;
    const Vec<T> g = J.transpose() * R;
    bool improved = false;
    for (int k = 0; k < 12 && !improved; ++k) {
      Mat<T> Ad = A;
      Ad.diagonal() *= (1 + lambda);
      const Vec<T> xn = x + Ad.ldlt().solve(-g);
      Vec<T> Rn;
      equations(B, s, xn, Rn, static_cast<Mat<T>*>(nullptr), rows);
      const T fn = Rn.squaredNorm();
      if (fn < f) {
        x = xn;
        f = fn;
        lambda = std::max(lambda / 10, T(1e-18));
        improved = true;
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
    equations(B, s, x, R, &J, rows);
  }
  return f <= target;
}



// All points of the orbits for parameters x (generators first in each orbit).
std::vector<Eigen::Vector3d> orbit_points(const Structure& s, const Vec<double>& x,
                                          std::vector<int>& generator_index,
                                          std::vector<double>& orbit_size) {
  std::vector<Eigen::Vector3d> gens;
  const double r2 = std::sqrt(2.0);
  int p = s.weights();
  orbit_size.clear();
  if (s.a1) gens.emplace_back(0, 0, 1), orbit_size.push_back(6);
  if (s.a2) gens.emplace_back(1 / r2, 1 / r2, 0), orbit_size.push_back(12);
  if (s.a3) gens.emplace_back(1 / std::sqrt(3.0), 1 / std::sqrt(3.0), 1 / std::sqrt(3.0)), orbit_size.push_back(8);
  for (int k = 0; k < s.nb; ++k, ++p)
    gens.emplace_back(std::sin(x[p]) / r2, std::sin(x[p]) / r2, std::cos(x[p])), orbit_size.push_back(24);
  for (int k = 0; k < s.nc; ++k, ++p) gens.emplace_back(std::cos(x[p]), std::sin(x[p]), 0), orbit_size.push_back(24);
  for (int k = 0; k < s.nd; ++k, p += 2)
    gens.emplace_back(std::sin(x[p]) * std::cos(x[p + 1]), std::sin(x[p]) * std::sin(x[p + 1]), std::cos(x[p])),
        orbit_size.push_back(48);
  std::vector<Eigen::Vector3d> pts;
  generator_index.clear();
  for (const auto& g : gens) {
    generator_index.push_back(static_cast<int>(pts.size()));
    std::vector<Eigen::Vector3d> orbit;
    for (const auto& pm : kPerms)
      for (int sg = 0; sg < 8; ++sg) {
        Eigen::Vector3d q;
        for (int c = 0; c < 3; ++c) q[c] = (sg >> c & 1) ? -g[pm[c]] : g[pm[c]];
        bool seen = false;
        for (const auto& o : orbit) seen = seen || (o - q).norm() < 1e-9;
        if (!seen) orbit.push_back(q);
      }
    pts.insert(pts.end(), orbit.begin(), orbit.end());
  }
  return pts;
}

// Riesz energy sum_{i<j} 1/|x_i - x_j|^2 of all points, computed per orbit generator.
double repulsion(const Structure& s, const Vec<double>& x) {
  std::vector<int> gi;
  std::vector<double> size;
  const auto pts = orbit_points(s, x, gi, size);
  double e = 0.0;
  for (size_t o = 0; o < gi.size(); ++o)
    for (size_t j = 0; j < pts.size(); ++j) {
      if (static_cast<int>(j) == gi[o]) continue;
      e += 0.5 * size[o] / std::max((pts[gi[o]] - pts[j]).squaredNorm(), 1e-12);
    }
  return e;
}

// Spread the orbits out by gradient descent on the repulsion (a good start for the solver).
void relax(const Structure& s, Vec<double>& x, int iterations) {
  const int nw = s.weights(), np = s.unknowns() - nw;
  double step = 1e-4, e = repulsion(s, x);
  for (int it = 0; it < iterations; ++it) {
    Vec<double> g(np);
    for (int k = 0; k < np; ++k) {
      Vec<double> xp = x, xm = x;
      xp[nw + k] += 1e-6;
      xm[nw + k] -= 1e-6;
      g[k] = (repulsion(s, xp) - repulsion(s, xm)) / 2e-6;
    }
    Vec<double> xn = x;
    xn.tail(np) -= step * g / std::max(g.norm(), 1e-300);
    const double en = repulsion(s, xn);
    if (en < e) {
      x = xn, e = en, step *= 1.2;
    } else {
      step *= 0.5;
    }
  }
}

// Residual of the equations with the weights eliminated by linear least squares (variable
// projection), and optionally Kaufman's approximate Jacobian with respect to the angles:
// the projection of the angle columns onto the complement of the weight columns' range.
template <class T>
Vec<T> projected_residual(const InvariantBasis<T>& B, const Structure& s, Vec<T>& x, int rows,
                          Mat<T>* jacobian) {
  Vec<T> R;
  Mat<T> J;
  const int nw = s.weights();
  x.head(nw).setZero();
  equations(B, s, x, R, &J, rows);  // with zero weights R = -b and J's first columns = A
  const Mat<T> A = J.leftCols(nw);
  x.head(nw) = A.completeOrthogonalDecomposition().solve(-R);
  if (!jacobian) return A * x.head(nw) + R;
  equations(B, s, x, R, &J, rows);  // angle columns now carry the optimal weights
  Eigen::HouseholderQR<Mat<T>> qr(A);
  const Mat<T> Q = qr.householderQ() * Mat<T>::Identity(A.rows(), std::min(A.rows(), A.cols()));
  const Mat<T> Ja = J.rightCols(s.unknowns() - nw);
  *jacobian = Ja - Q * (Q.transpose() * Ja);
  return R;
}

template <class T>
bool variable_projection(const InvariantBasis<T>& B, const Structure& s, Vec<T>& x, int max_iter,
                         int rows) {
  const int nw = s.weights(), np = s.unknowns() - nw;
  Mat<T> J;
  Vec<T> r = projected_residual(B, s, x, rows, &J);
  T f = r.squaredNorm(), lambda = 1e-2;
  int iterations_done = 0;
  if (std::getenv("DERIVE_VERBOSE")) std::fprintf(stderr, "    start |r| = %.2e\n", double(std::sqrt(f)));
  for (int it = 0; it < max_iter && f > T(1e-20); ++it, ++iterations_done) {
    const Mat<T> A = J.transpose() * J;
    const Vec<T> g = J.transpose() * r;
    bool improved = false;
    for (int k = 0; k < 12 && !improved; ++k) {
      Mat<T> Ad = A;
      Ad.diagonal() *= (1 + lambda);
      Vec<T> xn = x;
      xn.tail(np) += Ad.ldlt().solve(-g);
      const Vec<T> rn = projected_residual(B, s, xn, rows, static_cast<Mat<T>*>(nullptr));
      if (rn.squaredNorm() < f) {
        x = xn;
        f = rn.squaredNorm();
        lambda = std::max(lambda / 10, T(1e-15));
        improved = true;
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
    r = projected_residual(B, s, x, rows, &J);
  }
  if (std::getenv("DERIVE_VERBOSE")) std::fprintf(stderr, "    variable projection: |r| = %.2e after %d iterations\n", double(std::sqrt(f)), iterations_done);
  return f <= T(1e-20);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <degree> <points> [tries] [b-orbits] [seed]\n", argv[0]);
    return 2;
  }
  const int L = std::atoi(argv[1]), N = std::atoi(argv[2]);
  const int tries = argc > 3 ? std::atoi(argv[3]) : 400;
  const int only_nb = argc > 4 ? std::atoi(argv[4]) : -1;
  const unsigned seed_base = argc > 5 ? static_cast<unsigned>(std::atoi(argv[5])) : 1000u;
  const InvariantBasis<double> B = make_basis<double>(L);
  const InvariantBasis<long double> BL = make_basis<long double>(L);
  std::fprintf(stderr, "degree %d: %d invariant equations\n", L, B.size);
  for (int a2 = 0; a2 < 2; ++a2)
    for (int a3 = 1; a3 >= 0; --a3)
      for (int nd = 0; nd <= N / 48; ++nd)
        for (int nb = 0; nb <= N / 24; ++nb) {
          Structure s;
          s.a2 = a2, s.a3 = a3, s.nb = nb, s.nd = nd;
          const int rest = N - s.points();
          if (rest < 0 || rest % 24) continue;
          s.nc = rest / 24;
          if (s.unknowns() != B.size || (only_nb >= 0 && nb != only_nb)) continue;
          std::fprintf(stderr, "structure a2=%d a3=%d b=%d c=%d d=%d\n", a2, a3, nb, s.nc, nd);
          for (int t = 0; t < tries; ++t) {
            std::mt19937 rng(seed_base + t);
            std::uniform_real_distribution<double> u(0, 1);
            // Start near a uniform spread: the (l,l,m) orbits evenly along their arc from
            // (0,0,1) to (1,1,0)/sqrt2 (skipping the (1,1,1) vertex), the (p,q,0) orbits evenly
            // along theirs, 48-point generators at random inside the fundamental triangle
            // 0 <= y <= x <= z, all jittered; equal weights.
            Vec<double> x(s.unknowns());
            const int nw = s.weights();
            for (int k = 0; k < nw; ++k) x[k] = 4 * M_PI / N;
            int p = nw;
            const double jitter = 0.15 * (1.0 + t / 50.0);  // grows slowly with the attempts
            const double a3_theta = std::atan(std::sqrt(2.0));
            std::vector<double> slots;
            for (int k = 1; k <= s.nb + 1; ++k) slots.push_back(k * (M_PI / 2) / (s.nb + 1.5));
            slots.erase(std::min_element(slots.begin(), slots.end(), [&](double a, double b) {
              return std::abs(a - a3_theta) < std::abs(b - a3_theta);
            }));
            const double hb = (M_PI / 2) / (s.nb + 1.5), hc = (M_PI / 4) / (s.nc + 0.5);
            for (int k = 0; k < s.nb; ++k) x[p++] = slots[k] + jitter * hb * (u(rng) - 0.5);
            for (int k = 0; k < s.nc; ++k) x[p++] = (k + 1) * hc + jitter * hc * (u(rng) - 0.5);
            for (int k = 0; k < s.nd; ++k) {
              double theta, phi;
              do {
                phi = M_PI / 4 * u(rng);
                theta = std::atan(1.0 / std::cos(phi)) * u(rng);
              } while (theta < 0.1 || theta > std::atan(1.0 / std::cos(phi)) - 0.1 || phi < 0.05 ||
                       phi > M_PI / 4 - 0.05);
              x[p++] = theta;
              x[p++] = phi;
            }
            relax(s, x, 150);
            // Variable projection: the equations are linear in the weights, so first solve for
            // the orbit positions alone with the optimal weights eliminated (converges from far
            // more starting points), then refine everything together.
            // ... in stages of increasing degree (continuation): the lower-degree systems are
            // under-determined and easy, and each stage starts from the previous solution.
            bool ok = true;
            for (int stage = 0; stage >= 0 && ok; --stage) {
              int rows = 0;
              for (size_t b = 0; b < B.degree.size(); ++b)
                if (B.degree[b] <= L - 1 - 2 * stage) rows = B.first[b] + int(B.coef[b].rows());
              ok = variable_projection(B, s, x, 3000, rows);
              if (!ok) std::fprintf(stderr, "  try %d: no solution for degree %d\n", t, L - 2 * stage);
            }
            if (!ok) continue;
            if (!levenberg_marquardt(B, s, x, 100, 1e-20, B.size)) continue;
            if (x.head(nw).minCoeff() <= 0) {
              std::fprintf(stderr, "  try %d: solution with a negative weight\n", t);
              continue;
            }
            Vec<long double> xl = x.cast<long double>();
            if (!levenberg_marquardt(BL, s, xl, 50, 1e-34L, BL.size)) continue;
            const auto g = generators(s, xl);
            if (degenerate(s, g)) {
              std::fprintf(stderr, "  try %d: degenerate solution\n", t);
              continue;
            }
            Vec<long double> R;
            equations(BL, s, xl, R, static_cast<Mat<long double>*>(nullptr), BL.size);
            std::fprintf(stderr, "  found at try %d, |residual| = %.1Le\n", t, R.norm());
            std::printf("    {%d, %d, {", L, N);
            const char* type = "123";
            int o = 0;
            auto emit = [&](char kind, long double w, const Eigen::Vector3d& v) {
              std::printf("%s\n        {'%c', %.17Le, %.17e, %.17e}", o ? "," : "", kind,
                          w / (4 * acosl(-1.0L)), v[0], v[1]);
              ++o;
            };
            int k = 0;
            if (s.a1) emit(type[0], xl[k], g[k]), ++k;
            if (s.a2) emit(type[1], xl[k], g[k]), ++k;
            if (s.a3) emit(type[2], xl[k], g[k]), ++k;
            for (int i = 0; i < s.nb; ++i, ++k) emit('b', xl[k], Eigen::Vector3d(g[k][1], g[k][0], 0));
            for (int i = 0; i < s.nc; ++i, ++k) emit('c', xl[k], Eigen::Vector3d(g[k][1], g[k][0], 0));
            for (int i = 0; i < s.nd; ++i, ++k) emit('d', xl[k], g[k]);
            std::printf("}},\n");
            return 0;
          }
        }
  std::fprintf(stderr, "no rule found\n");
  return 1;
}
