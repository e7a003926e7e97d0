#pragma once
// Private to src/integrals: conversion to libint2 shells and one-time library initialisation.
#include <libint2.hpp>
#include <libint2/boys.h>  // FmEval_Chebyshev7 (engine.h only declares it: see libint_engine.cpp)
#include <vector>

#include "basis/basis_set.hpp"

namespace hamlet::integrals::detail {

void ensure_libint_initialized();
std::vector<libint2::Shell> to_libint_shells(const BasisSet& basis);
int max_nprim(const std::vector<libint2::Shell>& shells);

}  // namespace hamlet::integrals::detail
