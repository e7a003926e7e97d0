#include "integrals/one_body.hpp"

#include <omp.h>

#include "integrals/libint_bridge.hpp"

namespace hamlet::integrals {
namespace {

using libint2::Operator;

// Computes `nops` matrices of a one-body operator; `params` configures the engine.
struct NoParams {};

template <typename Params>
std::vector<Eigen::MatrixXd> compute_one_body(const BasisSet& basis, Operator op, int nops,
                                              const Params& params) {
  auto shells = detail::to_libint_shells(basis);
  const int n = basis.nbf;
  std::vector<Eigen::MatrixXd> result(nops, Eigen::MatrixXd::Zero(n, n));
  const int nthreads = omp_get_max_threads();
  std::vector<libint2::Engine> engines(nthreads);
  engines[0] = libint2::Engine(op, detail::max_nprim(shells), basis.max_l, 0);
  if constexpr (!std::is_same_v<Params, NoParams>) engines[0].set_params(params);
  for (int t = 1; t < nthreads; ++t) engines[t] = engines[0];
  const int nsh = static_cast<int>(shells.size());
#pragma omp parallel for schedule(dynamic)
  for (int s1 = 0; s1 < nsh; ++s1) {
    auto& engine = engines[omp_get_thread_num()];
    const auto& buf = engine.results();
    for (int s2 = 0; s2 <= s1; ++s2) {
      engine.compute(shells[s1], shells[s2]);
      const int n1 = shells[s1].size(), n2 = shells[s2].size();
      const int o1 = basis.shell_offset[s1], o2 = basis.shell_offset[s2];
      for (int k = 0; k < nops; ++k) {
        if (buf[k] == nullptr) continue;  // screened out: all zero
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
            blk(buf[k], n1, n2);
        result[k].block(o1, o2, n1, n2) = blk;
        if (s1 != s2) result[k].block(o2, o1, n2, n1) = blk.transpose();
      }
    }
  }
  return result;
}

std::array<double, 3> as_array(const Eigen::Vector3d& v) { return {v.x(), v.y(), v.z()}; }

}  // namespace

Eigen::MatrixXd overlap(const BasisSet& basis) {
  return compute_one_body(basis, Operator::overlap, 1, NoParams{})[0];
}

Eigen::MatrixXd kinetic(const BasisSet& basis) {
  return compute_one_body(basis, Operator::kinetic, 1, NoParams{})[0];
}

std::vector<PointCharge> nuclei(const Molecule& mol) {
  std::vector<PointCharge> q;
  for (const auto& a : mol.atoms) q.push_back({static_cast<double>(a.Z), a.position});
  return q;
}

Eigen::MatrixXd nuclear_attraction(const BasisSet& basis, const std::vector<PointCharge>& charges) {
  std::vector<std::pair<double, std::array<double, 3>>> q;
  for (const auto& c : charges) q.push_back({c.charge, as_array(c.position)});
  return compute_one_body(basis, Operator::nuclear, 1, q)[0];
}

std::array<Eigen::MatrixXd, 3> dipole(const BasisSet& basis, const Eigen::Vector3d& origin) {
  auto m = compute_one_body(basis, Operator::emultipole1, 4, as_array(origin));
  return {m[1], m[2], m[3]};
}

std::array<Eigen::MatrixXd, 6> second_moment(const BasisSet& basis, const Eigen::Vector3d& origin) {
  auto m = compute_one_body(basis, Operator::emultipole2, 10, as_array(origin));
  return {m[4], m[5], m[6], m[7], m[8], m[9]};
}

Eigen::MatrixXd overlap(const BasisSet& bra, const BasisSet& ket) {
  auto sb = detail::to_libint_shells(bra);
  auto sk = detail::to_libint_shells(ket);
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(bra.nbf, ket.nbf);
  libint2::Engine engine(Operator::overlap,
                         std::max(detail::max_nprim(sb), detail::max_nprim(sk)),
                         std::max(bra.max_l, ket.max_l), 0);
  const auto& buf = engine.results();
  for (size_t i = 0; i < sb.size(); ++i)
    for (size_t j = 0; j < sk.size(); ++j) {
      engine.compute(sb[i], sk[j]);
      if (buf[0] == nullptr) continue;
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> blk(
          buf[0], sb[i].size(), sk[j].size());
      out.block(bra.shell_offset[i], ket.shell_offset[j], sb[i].size(), sk[j].size()) = blk;
    }
  return out;
}

}  // namespace hamlet::integrals
