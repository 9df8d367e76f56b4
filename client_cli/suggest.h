// "Did you mean": the known name closest to a mistyped one. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forkv::cli {

// Edits (insert, delete, substitute, swap two neighbours) from a to b: the
// optimal string alignment distance.
size_t EditDistance(std::string_view a, std::string_view b);

// The name of `names` nearest to `word`, when it is near enough to be what
// was meant: at most 2 edits, and fewer than `word` has letters (so "x" is
// nobody's typo). Ties go to the first in `names`.
std::optional<std::string> ClosestName(std::string_view word,
                                       const std::vector<std::string>& names);

}  // namespace forkv::cli
