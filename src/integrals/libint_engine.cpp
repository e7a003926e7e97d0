// libint2's Engine, compiled once. This layer builds with LIBINT2_DOES_NOT_INLINE_ENGINE
// (CMakeLists.txt): engine.impl.h then stays out of the other files, each of which spent ~45 s
// compiling it (8.7 MB object for one_body.cpp), and its definitions live here alone, with the
// compute2 kernels the layer calls by name.
#include <libint2.hpp>
#include <libint2/engine.impl.h>

namespace libint2 {

#define HAMLET_LIBINT_COMPUTE2(OPERATOR, BRAKET)                                                       \
  template const Engine::target_ptr_vec& Engine::compute2<OPERATOR, BRAKET, 0>(                         \
      const Shell&, const Shell&, const Shell&, const Shell&, const ShellPair*, const ShellPair*);
HAMLET_LIBINT_COMPUTE2(Operator::coulomb, BraKet::xx_xx)  // jk_exact.cpp: (ab|cd)
HAMLET_LIBINT_COMPUTE2(Operator::coulomb, BraKet::xs_xx)  // jk_df.cpp: (P|ab)
#undef HAMLET_LIBINT_COMPUTE2

}  // namespace libint2
