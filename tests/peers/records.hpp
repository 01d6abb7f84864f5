#pragma once
// Helpers over the copied actions ("records": a struct with the action in
// `a` and its bytes in `bytes`) that the protocol clients' tests keep.
#include <string>
#include <vector>

namespace peer_records {

/// The frames the client sent among `v` (the records whose kind is send).
template <class Rec>
std::vector<std::string> sent(const std::vector<Rec>& v) {
    std::vector<std::string> s;
    for (const Rec& r : v)
        if (r.a.kind == decltype(r.a.kind)::send) s.push_back(r.bytes);
    return s;
}

/// The first record of kind `k` in `v`, or nullptr.
template <class Rec, class Kind>
const Rec* find(const std::vector<Rec>& v, Kind k) {
    for (const Rec& r : v)
        if (r.a.kind == k) return &r;
    return nullptr;
}

} // namespace peer_records
