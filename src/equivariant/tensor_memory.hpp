#pragma once
// Memory for libtorch's CPU tensors (no libtorch in this header: the CLI's main includes it).

namespace hamlet::equivariant {

// Makes libtorch allocate CPU tensors of 4 MB and more 2 MB-aligned and backed by huge pages
// (core/memory.hpp's advise_huge_pages), the rest as before (64-byte aligned). Call once at
// program start, before any tensor exists. Why: a network pass's largest tensors (the tensor
// products' outputs, ~19 k floats per edge in the QM9 model of 2x width, 20-35 MB per
// molecule) straddle glibc's largest mmap threshold (32 MB), so many are mapped afresh each
// pass, and on the 2-core VMs hamlet is measured on every first write to a 4 kB page costs a
// page fault. Results are unchanged: only where the memory comes from.
void use_huge_page_tensor_memory();

}  // namespace hamlet::equivariant
