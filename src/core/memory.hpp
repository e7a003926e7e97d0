#pragma once
// Large, long-lived buffers backed by transparent huge pages where the kernel offers them.
#include <cstddef>

namespace hamlet {

// Asks the kernel to back the 2 MB-aligned part of [data, data + bytes) with huge pages
// (madvise MADV_HUGEPAGE; a no-op where unsupported or for buffers under 2 MB). Call it before
// the buffer is first written. Why: on the 2-core VMs hamlet is measured on, a first write to a
// fresh 4 kB page costs ~10 us (a page fault); filling the 87 MB density-fitting tensor of a
// 19-atom QM9 molecule took 0.51 s with 4 kB pages and 0.31-0.35 s with huge pages.
void advise_huge_pages(void* data, std::size_t bytes);

}  // namespace hamlet
