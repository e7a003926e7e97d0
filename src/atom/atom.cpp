#include "atom/atom.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>
#include <string>

#include "atom/element_cache.hpp"
#include "atom/lda_xc.hpp"
#include "atom/solver_detail.hpp"
#include "core/error.hpp"

namespace hamlet::atom {
namespace detail {
namespace {

constexpr double kPi = std::numbers::pi;

// Default discretisation. Convergence study (LDA; H, Ne, Ar, Cu, Kr, Pd, Xe): refining to 12 or 16
// elements with 18 or 20 nodes changes total energies by < 1e-10 Eh up to Ar, < 2e-9 Eh to Xe.
constexpr int kDefaultNodes = 15;
constexpr double kGridScale = 0.5;  // the first element spans about kGridScale / Z Bohr
int default_num_elements(int Z) { return Z <= 18 ? 8 : 10; }

// Element end points graded geometrically: orbitals vary on the scale 1/Z near the nucleus and
// on the scale of a few Bohr in the valence tail.
std::vector<double> element_boundaries(int Z, int num_elements, double r_max) {
  const double r0 = kGridScale / Z;
  std::vector<double> b(num_elements + 1);
  for (int k = 0; k <= num_elements; ++k)
    b[k] = r0 * (std::pow(1.0 + r_max / r0, static_cast<double>(k) / num_elements) - 1.0);
  b.front() = 0.0;
  b.back() = r_max;
  return b;
}

// Rational fit to the Thomas–Fermi screening function phi(x), x = r Z^{1/3} / 0.8853 (initial
// guess only; phi(0) = 1, phi(1) ~ 0.42, phi -> 0 at large x).
double thomas_fermi_screening(double x) {
  const double s = std::sqrt(x);
  return 1.0 / (1.0 + 0.02747 * s + 1.243 * x - 0.1486 * x * s + 0.2302 * x * x +
                0.007298 * x * x * s + 0.006944 * x * x * x);
}

void validate(int Z, const std::vector<Shell>& shells) {
  if (Z < 1 || Z > kMaxAtomZ)
    throw Error("atomic solver supports Z = 1.." + std::to_string(kMaxAtomZ) + ", got Z = " +
                std::to_string(Z));
  double electrons = 0.0;
  for (size_t i = 0; i < shells.size(); ++i) {
    const Shell& s = shells[i];
    if (s.n < 1 || s.l < 0 || s.l >= s.n)
      throw Error("atomic configuration: invalid shell n = " + std::to_string(s.n) +
                  ", l = " + std::to_string(s.l));
    if (!(s.occupation >= 0.0 && s.occupation <= 2.0 * (2 * s.l + 1)))
      throw Error("atomic configuration: occupation of shell n = " + std::to_string(s.n) +
                  ", l = " + std::to_string(s.l) + " must lie in [0, " +
                  std::to_string(2 * (2 * s.l + 1)) + "]");
    for (size_t j = 0; j < i; ++j)
      if (shells[j].n == s.n && shells[j].l == s.l)
        throw Error("atomic configuration: shell n = " + std::to_string(s.n) +
                    ", l = " + std::to_string(s.l) + " given twice");
    electrons += s.occupation;
  }
  if (!(electrons > 0.0)) throw Error("atomic configuration holds no electrons");
}

// Solves (T - shift) x = b in place for the symmetric tridiagonal T (diagonal d, off-diagonal e)
// by LU with partial pivoting; exactly singular pivots are nudged, as inverse iteration needs.
void solve_shifted_tridiagonal(const Eigen::VectorXd& d, const Eigen::VectorXd& e, double shift,
                               Eigen::VectorXd& b) {
  const int n = static_cast<int>(d.size());
  const double tiny = std::numeric_limits<double>::epsilon() *
                      std::max(d.cwiseAbs().maxCoeff(), n > 1 ? e.cwiseAbs().maxCoeff() : 0.0);
  Eigen::VectorXd diag = d.array() - shift, upper = Eigen::VectorXd::Zero(n),
                  upper2 = Eigen::VectorXd::Zero(n), lower = Eigen::VectorXd::Zero(n);
  std::vector<bool> swapped(n, false);
  for (int i = 0; i + 1 < n; ++i) upper[i] = e[i];
  for (int i = 0; i + 1 < n; ++i) {
    if (std::abs(diag[i]) >= std::abs(e[i])) {
      if (diag[i] == 0.0) diag[i] = tiny;
      lower[i] = e[i] / diag[i];
      diag[i + 1] -= lower[i] * upper[i];
    } else {  // swap rows i and i+1
      swapped[i] = true;
      const double factor = diag[i] / e[i];
      diag[i] = e[i];
      lower[i] = factor;
      const double old_upper = upper[i];
      upper[i] = diag[i + 1];
      diag[i + 1] = old_upper - factor * diag[i + 1];
      if (i + 2 < n) {
        upper2[i] = upper[i + 1];
        upper[i + 1] = -factor * upper[i + 1];
      }
    }
  }
  if (diag[n - 1] == 0.0) diag[n - 1] = tiny;
  for (int i = 0; i + 1 < n; ++i) {
    if (swapped[i]) std::swap(b[i], b[i + 1]);
    b[i + 1] -= lower[i] * b[i];
  }
  for (int i = n - 1; i >= 0; --i) {
    double sum = b[i];
    if (i + 1 < n) sum -= upper[i] * b[i + 1];
    if (i + 2 < n) sum -= upper2[i] * b[i + 2];
    b[i] = sum / diag[i];
  }
}

// Lowest `count` eigenpairs of the symmetric matrix a. Only a few of the ~100 eigenvectors are
// occupied, so: Householder tridiagonalisation, all eigenvalues of the tridiagonal matrix, and
// inverse iteration for the wanted vectors (radial levels of one l are never degenerate).
void lowest_eigenpairs(const Eigen::MatrixXd& a, int count, Eigen::VectorXd& values,
                       Eigen::MatrixXd& vectors) {
  const Eigen::Tridiagonalization<Eigen::MatrixXd> tri(a);
  const Eigen::VectorXd d = tri.diagonal(), e = tri.subDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(d, e, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw Error("atomic solver: eigensolver failed");
  values = solver.eigenvalues().head(count);
  vectors.resize(a.rows(), count);
  for (int k = 0; k < count; ++k) {
    Eigen::VectorXd x = Eigen::VectorXd::Ones(a.rows());
    for (int it = 0; it < 3; ++it) {
      solve_shifted_tridiagonal(d, e, values[k], x);
      x.normalize();
    }
    vectors.col(k) = tri.matrixQ() * x;
  }
}

// Pulay (DIIS/Anderson) mixing of the electronic potential V_H + V_xc on the quadrature points.
class PulayMixer {
 public:
  PulayMixer(Eigen::VectorXd metric, int history, double step)
      : metric_(std::move(metric)), history_(history), step_(step) {}

  Eigen::VectorXd next(const Eigen::VectorXd& input, const Eigen::VectorXd& residual) {
    inputs_.push_back(input);
    residuals_.push_back(residual);
    if (static_cast<int>(inputs_.size()) > history_) {
      inputs_.pop_front();
      residuals_.pop_front();
    }
    const int m = static_cast<int>(inputs_.size());
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(m + 1, m + 1);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j <= i; ++j)
        a(i, j) = a(j, i) = residuals_[i].dot(metric_.cwiseProduct(residuals_[j]));
    const double scale = a.topLeftCorner(m, m).diagonal().maxCoeff();
    if (scale > 0.0) a.topLeftCorner(m, m) /= scale;
    a.block(0, m, m, 1).setOnes();
    a.block(m, 0, 1, m).setOnes();
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(m + 1);
    rhs[m] = 1.0;
    const Eigen::VectorXd coef = a.completeOrthogonalDecomposition().solve(rhs);
    if (!coef.allFinite()) {  // fall back to simple mixing with a fresh history
      inputs_.erase(inputs_.begin(), inputs_.end() - 1);
      residuals_.erase(residuals_.begin(), residuals_.end() - 1);
      return input + step_ * residual;
    }
    Eigen::VectorXd out = Eigen::VectorXd::Zero(input.size());
    for (int i = 0; i < m; ++i) out += coef[i] * (inputs_[i] + step_ * residuals_[i]);
    return out;
  }

 private:
  Eigen::VectorXd metric_;
  int history_;
  double step_;
  std::deque<Eigen::VectorXd> inputs_, residuals_;
};

}  // namespace

double RadialSolution::density_at(double r) const {
  if (r > basis->r_max()) return 0.0;
  double rho_over_r2 = 0.0;  // sum_i f_i (u_i / r)^2
  for (size_t i = 0; i < orbital_coefficients.size(); ++i) {
    // u ~ r^(l+1): at the nucleus only s orbitals contribute, through u'(0).
    const double u_over_r = r > 0.0 ? basis->value_at(orbital_coefficients[i], r) / r
                                    : basis->derivative_at(orbital_coefficients[i], 0.0);
    rho_over_r2 += result.orbitals[i].occupation * u_over_r * u_over_r;
  }
  return rho_over_r2 / (4.0 * kPi);
}

double RadialSolution::hartree_times_r_at(double r) const {
  if (r >= basis->r_max()) return electrons;
  return basis->value_at(hartree_coefficients, r);
}

RadialSolution solve_radial(int Z, Functional functional, const AtomOptions& options) {
  const std::vector<Shell> shells =
      options.configuration.empty() ? ground_state_configuration(Z) : options.configuration;
  validate(Z, shells);
  if (!(options.r_max > 1.0)) throw Error("atomic solver: r_max must exceed 1 Bohr");
  const int num_elements =
      options.num_elements > 0 ? options.num_elements : default_num_elements(Z);
  const int nodes = options.nodes_per_element > 0 ? options.nodes_per_element : kDefaultNodes;
  if (nodes < 3) throw Error("atomic solver: need at least 3 nodes per element");
  // Products of two basis functions are polynomials of degree 2 (nodes - 1); the extra points
  // absorb the non-polynomial 1/r, 1/r^2 and v_xc factors.
  const int quadrature_points = 2 * nodes;

  const auto boundaries = element_boundaries(Z, num_elements, options.r_max);
  // One basis serves the orbitals (u vanishes at both ends) and U = r V_H (fixed end values).
  auto fem = std::make_shared<const RadialFem>(boundaries, nodes, quadrature_points);
  const Eigen::VectorXd& r = fem->r();
  const Eigen::VectorXd& w = fem->w();

  // Orbital basis: drop the functions at r = 0 and r = r_max, where u must vanish.
  const int n = fem->num_functions() - 2;
  auto interior = [n](const Eigen::MatrixXd& full) { return full.block(1, 1, n, n); };
  const Eigen::MatrixXd stiffness = fem->stiffness();
  const Eigen::MatrixXd overlap = interior(fem->mass(Eigen::VectorXd::Ones(r.size())));
  const Eigen::MatrixXd kinetic = 0.5 * interior(stiffness);
  const Eigen::MatrixXd nuclear = interior(fem->mass(-Z * r.cwiseInverse()));
  const Eigen::LLT<Eigen::MatrixXd> cholesky(overlap);
  if (cholesky.info() != Eigen::Success) throw Error("atomic solver: singular overlap matrix");
  // L^{-1} M L^{-T}: the generalised problem H c = e S c becomes a standard one.
  auto orthonormal = [&](const Eigen::MatrixXd& m) -> Eigen::MatrixXd {
    const Eigen::MatrixXd x = cholesky.matrixL().solve(m);
    return cholesky.matrixL().solve(x.transpose());
  };

  int l_max = 0;
  double electrons = 0.0;
  for (const Shell& s : shells) {
    l_max = std::max(l_max, s.l);
    electrons += s.occupation;
  }
  std::vector<Eigen::MatrixXd> kinetic_l(l_max + 1), fixed_l(l_max + 1);
  std::vector<int> levels_l(l_max + 1, 0);  // eigenpairs needed per l
  for (const Shell& s : shells) levels_l[s.l] = std::max(levels_l[s.l], s.n - s.l);
  for (int l = 0; l <= l_max; ++l) {
    if (levels_l[l] == 0) continue;
    const Eigen::VectorXd centrifugal = (0.5 * l * (l + 1)) * r.cwiseAbs2().cwiseInverse();
    kinetic_l[l] = kinetic + interior(fem->mass(centrifugal));
    fixed_l[l] = orthonormal(kinetic_l[l] + nuclear);
  }

  // Radial Poisson equation U'' = -rho(r)/r for U = r V_H with U(0) = 0, U(r_max) = N:
  // Galerkin form  sum_j K_ij U_j = integral B_i rho / r dr  over the interior functions.
  const Eigen::LLT<Eigen::MatrixXd> poisson(interior(stiffness));
  const Eigen::VectorXd boundary_column = stiffness.block(1, n + 1, n, 1);
  auto solve_hartree = [&](const Eigen::VectorXd& rho_over_r) {
    Eigen::VectorXd c = Eigen::VectorXd::Zero(n + 2);
    c[n + 1] = electrons;
    c.segment(1, n) =
        poisson.solve(fem->load(rho_over_r).segment(1, n) - electrons * boundary_column);
    return c;
  };

  // Initial electronic potential: Thomas–Fermi screening of the nucleus, scaled to N electrons.
  Eigen::VectorXd v_in(r.size());
  const double tf_length = 0.8853 * std::cbrt(1.0 / Z);
  for (int q = 0; q < r.size(); ++q)
    v_in[q] = electrons * (1.0 - thomas_fermi_screening(r[q] / tf_length)) / r[q];

  const LdaXc xc(functional);
  PulayMixer mixer(w.cwiseProduct(r.cwiseAbs2()), 6, 0.7);

  RadialSolution sol;
  sol.basis = fem;
  sol.electrons = electrons;
  AtomResult& res = sol.result;
  res.Z = Z;
  res.functional = functional;
  res.orbitals.resize(shells.size());
  sol.orbital_coefficients.assign(shells.size(), Eigen::VectorXd::Zero(n + 2));

  double previous_energy = 0.0;
  bool converged = false;
  Eigen::VectorXd v_out, density, exc, vxc, eigenvalues;
  Eigen::MatrixXd eigenvectors;
  for (int iteration = 1; iteration <= options.max_iterations && !converged; ++iteration) {
    const Eigen::MatrixXd potential = orthonormal(interior(fem->mass(v_in)));
    Eigen::VectorXd rho = Eigen::VectorXd::Zero(r.size());  // 4 pi r^2 n(r)
    double kinetic_energy = 0.0;
    for (int l = 0; l <= l_max; ++l) {
      if (levels_l[l] == 0) continue;
      lowest_eigenpairs(fixed_l[l] + potential, levels_l[l], eigenvalues, eigenvectors);
      for (size_t i = 0; i < shells.size(); ++i) {
        if (shells[i].l != l) continue;
        const int index = shells[i].n - l - 1;  // n-th level of this l has n - l - 1 nodes
        Eigen::VectorXd& c = sol.orbital_coefficients[i];
        c.segment(1, n) = cholesky.matrixU().solve(eigenvectors.col(index));
        res.orbitals[i] = {shells[i].n, l, shells[i].occupation, eigenvalues[index]};
        kinetic_energy += shells[i].occupation *
                          c.segment(1, n).dot(kinetic_l[l] * c.segment(1, n));
        rho += shells[i].occupation * fem->values(c).cwiseAbs2();
      }
    }
    sol.hartree_coefficients = solve_hartree(rho.cwiseQuotient(r));
    const Eigen::VectorXd v_hartree = fem->values(sol.hartree_coefficients).cwiseQuotient(r);
    density = rho.cwiseQuotient(4.0 * kPi * r.cwiseAbs2());
    xc.evaluate(density, exc, vxc);
    v_out = v_hartree + vxc;

    const Eigen::VectorXd wrho = w.cwiseProduct(rho);
    res.kinetic_energy = kinetic_energy;
    res.nuclear_energy = -Z * wrho.dot(r.cwiseInverse());
    res.hartree_energy = 0.5 * wrho.dot(v_hartree);
    res.xc_energy = wrho.dot(exc);
    res.total_energy =
        res.kinetic_energy + res.nuclear_energy + res.hartree_energy + res.xc_energy;
    res.iterations = iteration;

    const Eigen::VectorXd residual = v_out - v_in;
    const double residual_norm =
        std::sqrt(residual.cwiseAbs2().dot(w.cwiseProduct(r.cwiseAbs2())));
    converged = iteration > 1 &&
                std::abs(res.total_energy - previous_energy) < options.energy_tolerance &&
                residual_norm < options.potential_tolerance;
    previous_energy = res.total_energy;
    if (!converged) v_in = mixer.next(v_in, residual);
    if (!std::isfinite(res.total_energy)) break;
  }
  if (!converged)
    throw Error("atomic solver: SCF for Z = " + std::to_string(Z) + " did not converge in " +
                std::to_string(options.max_iterations) + " iterations");

  res.r.assign(r.data(), r.data() + r.size());
  res.weights.assign(w.data(), w.data() + w.size());
  res.density.assign(density.data(), density.data() + density.size());
  res.effective_potential.resize(r.size());
  for (int q = 0; q < r.size(); ++q) res.effective_potential[q] = -Z / r[q] + v_out[q];
  return sol;
}

}  // namespace detail

AtomResult solve_atom(int Z, Functional functional, const AtomOptions& options) {
  return detail::solve_radial(Z, functional, options).result;
}

const AtomResult& cached_atom(int Z, Functional functional) {
  constexpr int kFunctionals = 2;  // entries of enum Functional
  static std::array<ElementCache<AtomResult>, kFunctionals> caches;
  const int f = static_cast<int>(functional);
  if (f < 0 || f >= kFunctionals) throw Error("cached_atom: unknown functional");
  return caches[f].get(Z, "atomic solver", [Z, functional] { return solve_atom(Z, functional); });
}

}  // namespace hamlet::atom
