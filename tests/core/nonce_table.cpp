// Tests of sluice/core/nonce_table.hpp.
#include <sluice/core/nonce_table.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using sluice::core_errc;
using sluice::instant;
using sluice::nonce_table;

namespace {

instant ms(std::int64_t v) { return instant::zero() + sluice::from_ms(v); }

// A value that counts live instances, to prove each value is destroyed
// exactly once whichever way it leaves the table.
struct tracked {
    static inline int live = 0;
    int id = 0;
    bool moved_from = false;
    explicit tracked(int i) noexcept : id(i) { ++live; }
    tracked(const tracked& o) noexcept : id(o.id) { ++live; }
    tracked(tracked&& o) noexcept : id(o.id) {
        o.moved_from = true;
        ++live;
    }
    tracked& operator=(const tracked&) = delete;
    ~tracked() { --live; }
};

struct fired {
    std::uint64_t key;
    int value;
    friend bool operator==(const fired&, const fired&) = default;
};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("nonce_table: insert, find, resolve exactly once") {
    nonce_table<int> t(4);
    CHECK(t.capacity() == 4);
    CHECK(t.empty());
    CHECK(t.next_deadline().is_never());
    CHECK(!t.insert(10, ms(100), 1));
    CHECK(!t.insert(11, ms(50), 2));
    CHECK(t.size() == 2);
    CHECK(t.contains(10));
    CHECK(!t.contains(12));
    REQUIRE(t.find(10) != nullptr);
    CHECK(*t.find(10) == 1);
    *t.find(10) = 5; // find gives a mutable view
    CHECK(t.find(99) == nullptr);
    const auto& ct = t;
    REQUIRE(ct.find(11) != nullptr);
    CHECK(*ct.find(11) == 2);
    CHECK(t.deadline_of(11) == ms(50));
    CHECK(t.deadline_of(99).is_never());
    CHECK(t.next_deadline() == ms(50));

    const std::optional<int> a = t.resolve(10);
    REQUIRE(a.has_value());
    CHECK(*a == 5);
    CHECK(!t.resolve(10).has_value()); // a second reply with the same nonce
    CHECK(!t.resolve(12345).has_value()); // a reply we never asked for
    CHECK(t.size() == 1);
    CHECK(t.resolve(11) == 2);
    CHECK(t.empty());
    CHECK(t.next_deadline().is_never());
}

TEST_CASE("nonce_table: duplicate keys and a full table are refused without change") {
    nonce_table<int> t(2);
    CHECK(!t.insert(1, ms(10), 100));
    std::error_code ec = t.insert(1, ms(5), 200);
    CHECK(ec == core_errc::duplicate_key);
    CHECK(ec == sluice::condition::misuse);
    CHECK(*t.find(1) == 100);          // the original entry is untouched
    CHECK(t.next_deadline() == ms(10)); // and so is its deadline
    CHECK(!t.insert(2, ms(20), 300));
    ec = t.insert(3, ms(30), 400);
    CHECK(ec == core_errc::table_full);
    CHECK(ec == sluice::condition::limit_exceeded);
    CHECK(ec.message() == "pending table is full");
    CHECK(t.size() == 2);
    CHECK(!t.contains(3));
    // A resolved slot is reusable.
    CHECK(t.resolve(1) == 100);
    CHECK(!t.insert(3, ms(30), 400));
    CHECK(t.insert(4, ms(40), 500) == core_errc::table_full);
    // Duplicate is reported before full.
    CHECK(t.insert(2, ms(40), 500) == core_errc::duplicate_key);
}

TEST_CASE("nonce_table: a failed insert leaves the caller's value alone") {
    nonce_table<std::unique_ptr<int>> t(1);
    auto p = std::make_unique<int>(7);
    CHECK(!t.insert(1, ms(1), std::move(p)));
    CHECK(p == nullptr);
    auto q = std::make_unique<int>(8);
    CHECK(t.insert(2, ms(1), std::move(q)) == core_errc::table_full);
    REQUIRE(q != nullptr); // not moved from
    CHECK(*q == 8);
    CHECK(t.insert(1, ms(1), std::move(q)) == core_errc::duplicate_key);
    REQUIRE(q != nullptr);
    auto got = t.resolve(1);
    REQUIRE(got.has_value());
    REQUIRE(*got != nullptr);
    CHECK(**got == 7);
}

TEST_CASE("nonce_table: emplace constructs in place; copies only on success") {
    nonce_table<std::pair<int, int>> t(2);
    CHECK(!t.emplace(1, ms(5), 3, 4));
    CHECK(t.find(1)->second == 4);
    const std::pair<int, int> v{5, 6};
    CHECK(!t.insert(2, ms(5), v));
    CHECK(t.insert(3, ms(5), v) == core_errc::table_full);
    CHECK(t.resolve(2) == v);
}

TEST_CASE("nonce_table: capacity 0 refuses everything") {
    nonce_table<int> t(0);
    CHECK(t.capacity() == 0);
    CHECK(t.insert(1, ms(1), 1) == core_errc::table_full);
    CHECK(!t.resolve(1).has_value());
    CHECK(t.cancel(1) == core_errc::unknown_key);
    CHECK(t.reschedule(1, ms(2)) == core_errc::unknown_key);
    CHECK(t.expire(ms(100), [](std::uint64_t, int) { FAIL("nothing to expire"); }) == 0);
    CHECK(t.drain_all([](std::uint64_t, int) { FAIL("nothing to drain"); }) == 0);
    CHECK(t.next_deadline().is_never());
}

TEST_CASE("nonce_table: cancel destroys the value; unknown keys are reported") {
    tracked::live = 0;
    {
        nonce_table<tracked> t(3);
        CHECK(!t.emplace(1, ms(10), 1));
        CHECK(!t.emplace(2, ms(20), 2));
        CHECK(tracked::live == 2);
        CHECK(!t.cancel(1));
        CHECK(tracked::live == 1);
        const std::error_code ec = t.cancel(1);
        CHECK(ec == core_errc::unknown_key);
        CHECK(ec == sluice::condition::invalid_data);
        CHECK(t.size() == 1);
        CHECK(t.next_deadline() == ms(20));
        CHECK(!t.emplace(3, ms(30), 3));
        CHECK(tracked::live == 2);
    }
    CHECK(tracked::live == 0); // the destructor destroyed what was pending
}

TEST_CASE("nonce_table: expire fires each timed-out entry once, earliest first") {
    nonce_table<int> t(8);
    CHECK(!t.insert(1, ms(30), 10));
    CHECK(!t.insert(2, ms(10), 20));
    CHECK(!t.insert(3, ms(20), 30));
    CHECK(!t.insert(4, ms(40), 40));
    CHECK(!t.insert(5, instant::never(), 50)); // no timeout
    std::vector<fired> out;
    auto record = [&](std::uint64_t k, int v) { out.push_back({k, v}); };

    CHECK(t.expire(ms(5), record) == 0); // early: nothing
    CHECK(out.empty());
    CHECK(t.expire(ms(20), record) == 2); // deadline == now fires
    CHECK(out == std::vector<fired>{{2, 20}, {3, 30}});
    CHECK(t.next_deadline() == ms(30));
    CHECK(t.expire(ms(20), record) == 0); // twice: nothing new
    CHECK(t.expire(ms(25), record) == 0);
    CHECK(out.size() == 2);
    CHECK(!t.resolve(2).has_value()); // a reply after the timeout matches nothing
    CHECK(t.expire(ms(1000), record) == 2);
    CHECK(out.size() == 4);
    CHECK(out[2] == fired{1, 10});
    CHECK(out[3] == fired{4, 40});
    CHECK(t.size() == 1);
    CHECK(t.next_deadline().is_never());
    CHECK(t.expire(instant::never(), record) == 0); // never() deadlines never time out
    CHECK(t.resolve(5) == 50);
}

TEST_CASE("nonce_table: time going backwards is clamped") {
    nonce_table<int> t(4);
    int n = 0;
    auto count = [&](std::uint64_t, int) { ++n; };
    CHECK(!t.insert(1, ms(100), 1));
    CHECK(t.expire(ms(100), count) == 1);
    // The clock steps back: an entry due at 90 is still due, because expire
    // has already seen 100.
    CHECK(!t.insert(2, ms(90), 2));
    CHECK(!t.insert(3, ms(150), 3));
    CHECK(t.expire(ms(50), count) == 1);
    CHECK(n == 2);
    CHECK(t.contains(3));
    CHECK(t.expire(ms(149), count) == 0);
    CHECK(t.expire(ms(150), count) == 1);
    CHECK(t.empty());
}

TEST_CASE("nonce_table: reschedule moves a deadline both ways") {
    nonce_table<int> t(4);
    CHECK(!t.insert(1, ms(10), 1));
    CHECK(!t.insert(2, ms(20), 2));
    CHECK(!t.insert(3, ms(30), 3));
    CHECK(!t.reschedule(1, ms(100))); // a progress message extends the job
    CHECK(t.next_deadline() == ms(20));
    CHECK(t.deadline_of(1) == ms(100));
    CHECK(!t.reschedule(3, ms(5)));
    CHECK(t.next_deadline() == ms(5));
    CHECK(t.reschedule(9, ms(5)) == core_errc::unknown_key);
    std::vector<std::uint64_t> keys;
    t.expire(ms(1000), [&](std::uint64_t k, int) { keys.push_back(k); });
    CHECK(keys == std::vector<std::uint64_t>{3, 2, 1});
}

TEST_CASE("nonce_table: drain_all hands every pending entry out exactly once") {
    tracked::live = 0;
    {
        nonce_table<tracked> t(5);
        for (int i = 0; i < 5; ++i) CHECK(!t.emplace(static_cast<std::uint64_t>(100 + i), ms(50 - i), i));
        std::vector<int> ids;
        const std::size_t n = t.drain_all([&](std::uint64_t k, tracked&& v) {
            CHECK(!v.moved_from);
            CHECK(k == static_cast<std::uint64_t>(100 + v.id));
            ids.push_back(v.id);
        });
        CHECK(n == 5);
        CHECK(ids == std::vector<int>{4, 3, 2, 1, 0}); // earliest deadline first
        CHECK(t.empty());
        CHECK(t.next_deadline().is_never());
        CHECK(tracked::live == 0);
        CHECK(t.drain_all([](std::uint64_t, tracked&&) { FAIL("drained twice"); }) == 0);
        // The table is fully usable afterwards.
        for (int i = 0; i < 5; ++i) CHECK(!t.emplace(static_cast<std::uint64_t>(i), ms(1), i));
    }
    CHECK(tracked::live == 0);
}

TEST_CASE("nonce_table: callbacks may retry, resolve and expire re-entrantly") {
    SUBCASE("re-inserting from drain_all keeps the retry pending") {
        nonce_table<int> t(3);
        for (std::uint64_t k = 1; k <= 3; ++k) CHECK(!t.insert(k, ms(10), static_cast<int>(k)));
        int calls = 0;
        t.drain_all([&](std::uint64_t k, int v) {
            ++calls;
            // Retry on the next connection, under a new nonce; the freed slot is available.
            CHECK(!t.insert(k + 100, ms(500), v));
        });
        CHECK(calls == 3);
        CHECK(t.size() == 3);
        CHECK(t.contains(101));
        CHECK(t.contains(103));
    }
    SUBCASE("entries inserted by an expire callback with a past deadline wait for the next call") {
        nonce_table<int> t(2);
        CHECK(!t.insert(1, ms(10), 1));
        int calls = 0;
        CHECK(t.expire(ms(100), [&](std::uint64_t k, int) {
            ++calls;
            CHECK(!t.insert(k + 1, ms(0), 0)); // already due
        }) == 1);
        CHECK(calls == 1);
        CHECK(t.next_deadline() == ms(0));
        CHECK(t.expire(ms(100), [&](std::uint64_t k, int) { CHECK(k == 2); }) == 1);
    }
    SUBCASE("a callback resolving another due entry wins the race: it fires once") {
        nonce_table<int> t(4);
        CHECK(!t.insert(1, ms(10), 1));
        CHECK(!t.insert(2, ms(10), 2));
        CHECK(!t.insert(3, ms(50), 3));
        std::vector<std::uint64_t> keys;
        t.expire(ms(20), [&](std::uint64_t k, int) {
            keys.push_back(k);
            // Both 1 and 2 are already being timed out, so neither resolves;
            // 3 is still pending and resolves.
            CHECK(!t.resolve(k == 1 ? 2 : 1).has_value());
            if (k == 1) {
                CHECK(t.cancel(3) == std::error_code());
                CHECK(t.cancel(3) == core_errc::unknown_key);
            }
        });
        CHECK(keys.size() == 2);
        CHECK(t.empty());
    }
    SUBCASE("nested expire and drain_all inside a callback") {
        nonce_table<int> t(4);
        CHECK(!t.insert(1, ms(10), 1));
        CHECK(!t.insert(2, ms(30), 2));
        CHECK(!t.insert(3, ms(40), 3));
        std::vector<std::uint64_t> keys;
        t.expire(ms(10), [&](std::uint64_t k, int) {
            keys.push_back(k);
            t.drain_all([&](std::uint64_t k2, int) { keys.push_back(k2); });
        });
        CHECK(keys == std::vector<std::uint64_t>{1, 2, 3});
        CHECK(t.empty());
    }
}

#if defined(__cpp_exceptions)
TEST_CASE("nonce_table: a throwing callback loses no slot and leaks no value") {
    tracked::live = 0;
    {
        nonce_table<tracked> t(3);
        for (int i = 0; i < 3; ++i) CHECK(!t.emplace(static_cast<std::uint64_t>(i), ms(i), i));
        int calls = 0;
        bool thrown = false;
        try {
            t.expire(ms(10), [&](std::uint64_t, tracked&&) {
                if (++calls == 2) throw 42;
            });
        } catch (int) {
            thrown = true;
        }
        CHECK(thrown);
        CHECK(calls == 2);
        CHECK(t.empty());
        CHECK(tracked::live == 0); // the third was destroyed without a callback
        for (int i = 0; i < 3; ++i) CHECK(!t.emplace(static_cast<std::uint64_t>(i), ms(i), i)); // every slot is back
    }
    CHECK(tracked::live == 0);
}
#endif

TEST_CASE("nonce_table: clear, move construction and move assignment") {
    tracked::live = 0;
    {
        nonce_table<tracked> a(4);
        CHECK(!a.emplace(1, ms(10), 1));
        CHECK(!a.emplace(2, ms(5), 2));
        nonce_table<tracked> b(std::move(a));
        CHECK(a.capacity() == 0); // NOLINT: moved-from state is specified
        CHECK(a.empty());
        CHECK(a.insert(9, ms(1), tracked(9)) == core_errc::table_full);
        CHECK(b.size() == 2);
        CHECK(b.next_deadline() == ms(5));
        CHECK(b.find(1)->id == 1);
        nonce_table<tracked> c(1);
        CHECK(!c.emplace(7, ms(1), 7));
        c = std::move(b);
        CHECK(tracked::live == 2);
        CHECK(c.capacity() == 4);
        CHECK(!c.contains(7));
        CHECK(c.resolve(2)->id == 2);
        c.clear();
        CHECK(c.empty());
        CHECK(tracked::live == 0);
        CHECK(!c.emplace(1, ms(1), 1));
    }
    CHECK(tracked::live == 0);
}

TEST_CASE("nonce_table: no allocation after construction") {
    nonce_table<std::uint64_t> t(64);
    sluice_test::test_rng rng{77};
    sluice_test::allocation_counter alloc;
    std::uint64_t sink = 0;
    std::int64_t now = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t key = rng.below(200);
        switch (rng.below(5)) {
        case 0:
        case 1: (void)t.insert(key, ms(now + static_cast<std::int64_t>(rng.below(100))), key); break;
        case 2: sink += t.resolve(key).value_or(0); break;
        case 3: (void)t.cancel(key); break;
        default:
            now += static_cast<std::int64_t>(rng.below(20));
            sink += t.expire(ms(now), [&](std::uint64_t k, std::uint64_t v) { sink += k ^ v; });
        }
        if (rng.below(1000) == 0) sink += t.drain_all([&](std::uint64_t k, std::uint64_t) { sink += k; });
    }
    CHECK(alloc.count() == 0);
    CHECK(sink != 1); // keep the work observable
}

TEST_CASE("nonce_table: matches a reference model (randomized)") {
    // Reference: a std::map of key -> (deadline, value) and a running max clock.
    // Seeds 41-80 use on-demand storage (growing, and shrunk when empty).
    for (std::uint64_t seed = 1; seed <= 80; ++seed) {
        sluice_test::test_rng rng{seed};
        const std::size_t cap = 1 + rng.below(40);
        nonce_table<int> t(cap, seed > 40 ? sluice::table_storage::on_demand : sluice::table_storage::upfront);
        std::map<std::uint64_t, std::pair<std::int64_t, int>> ref;
        std::int64_t clock_max = INT64_MIN;
        std::int64_t now = static_cast<std::int64_t>(rng.below(100));
        int next_value = 0;
        // Few distinct keys (sequential nonces and a few far apart), to hit duplicates and probe chains.
        auto pick_key = [&] {
            const std::uint64_t k = rng.below(3 * cap);
            return rng.below(4) == 0 ? k << 40 : k;
        };
        for (int step = 0; step < 3000; ++step) {
            CAPTURE(seed);
            CAPTURE(step);
            switch (rng.below(8)) {
            case 0:
            case 1:
            case 2: {
                const std::uint64_t k = pick_key();
                const std::int64_t d = rng.below(20) == 0 ? INT64_MAX : now + static_cast<std::int64_t>(rng.below(60)) - 10;
                const instant dl = d == INT64_MAX ? instant::never() : ms(d);
                const std::error_code ec = t.insert(k, dl, next_value);
                if (ref.count(k)) CHECK(ec == core_errc::duplicate_key);
                else if (ref.size() == cap) CHECK(ec == core_errc::table_full);
                else {
                    CHECK(!ec);
                    ref[k] = {d, next_value};
                }
                ++next_value;
                break;
            }
            case 3: {
                const std::uint64_t k = pick_key();
                const auto got = t.resolve(k);
                const auto it = ref.find(k);
                REQUIRE(got.has_value() == (it != ref.end()));
                if (it != ref.end()) {
                    CHECK(*got == it->second.second);
                    ref.erase(it);
                }
                break;
            }
            case 4: {
                const std::uint64_t k = pick_key();
                const std::error_code ec = t.cancel(k);
                CHECK(!ec == (ref.erase(k) == 1));
                break;
            }
            case 5: {
                const std::uint64_t k = pick_key();
                const std::int64_t d = now + static_cast<std::int64_t>(rng.below(60)) - 10;
                const std::error_code ec = t.reschedule(k, ms(d));
                const auto it = ref.find(k);
                CHECK(!ec == (it != ref.end()));
                if (it != ref.end()) it->second.first = d;
                break;
            }
            case 6: {
                // Time moves, sometimes backwards; expire with the reference's clamp.
                now += static_cast<std::int64_t>(rng.below(30)) - 8;
                if (now > clock_max) clock_max = now;
                std::vector<std::pair<std::int64_t, std::uint64_t>> want; // (deadline, key)
                for (const auto& [k, dv] : ref)
                    if (dv.first != INT64_MAX && dv.first <= clock_max) want.emplace_back(dv.first, k);
                std::vector<std::pair<std::int64_t, std::uint64_t>> got;
                const std::size_t n = t.expire(ms(now), [&](std::uint64_t k, int v) {
                    const auto it = ref.find(k);
                    REQUIRE(it != ref.end());
                    CHECK(it->second.second == v);
                    got.emplace_back(it->second.first, k);
                    ref.erase(it);
                });
                CHECK(n == got.size());
                // Earliest first: deadlines non-decreasing; same set as the reference.
                for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i - 1].first <= got[i].first);
                std::sort(want.begin(), want.end());
                std::sort(got.begin(), got.end());
                CHECK(got == want);
                break;
            }
            default:
                if (rng.below(20) == 0) {
                    std::size_t n = 0;
                    t.drain_all([&](std::uint64_t k, int v) {
                        ++n;
                        const auto it = ref.find(k);
                        REQUIRE(it != ref.end());
                        CHECK(it->second.second == v);
                        ref.erase(it);
                    });
                    CHECK(ref.empty());
                } else if (rng.below(10) == 0) { // the odd keys lost, earliest first
                    std::vector<std::pair<std::int64_t, std::uint64_t>> got, want;
                    for (const auto& [k, dv] : ref)
                        if (k % 2 == 1) want.emplace_back(dv.first, k);
                    const std::size_t n = t.drain_if([](std::uint64_t k, const int&) noexcept { return k % 2 == 1; },
                                                     [&](std::uint64_t k, int v) {
                                                         const auto it = ref.find(k);
                                                         REQUIRE(it != ref.end());
                                                         CHECK(it->second.second == v);
                                                         got.emplace_back(it->second.first, k);
                                                         ref.erase(it);
                                                     });
                    CHECK(n == want.size());
                    for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i - 1].first <= got[i].first);
                    std::sort(want.begin(), want.end());
                    std::sort(got.begin(), got.end());
                    CHECK(got == want);
                } else if (rng.below(5) == 0) {
                    t.shrink();
                    if (seed > 40 && ref.empty()) CHECK(t.heap_bytes() == 0);
                    if (seed <= 40) CHECK(t.heap_bytes() == nonce_table<int>::storage_bytes(cap));
                }
            }
            // Invariants after every step.
            REQUIRE(t.size() == ref.size());
            std::int64_t earliest = INT64_MAX;
            for (const auto& [k, dv] : ref) earliest = std::min(earliest, dv.first);
            CHECK(t.next_deadline() == (earliest == INT64_MAX ? instant::never() : ms(earliest)));
            if (step % 97 == 0)
                for (const auto& [k, dv] : ref) {
                    REQUIRE(t.find(k) != nullptr);
                    CHECK(*t.find(k) == dv.second);
                }
        }
    }
}

TEST_CASE("nonce_table: sizes") {
    struct job {
        std::uint64_t id;
        std::uint32_t kind;
    };
    nonce_table<job> t(64);
    MESSAGE("sizeof(nonce_table<job>) = " << sizeof(t) << ", storage for 16 / 64 entries of a 16-byte value: "
                                           << nonce_table<job>::storage_bytes(16) << " / " << nonce_table<job>::storage_bytes(64) << " bytes");
    CHECK(sizeof(nonce_table<job>) <= 64);
    CHECK(nonce_table<job>::storage_bytes(0) == 0);
    CHECK(nonce_table<job>::storage_bytes(64) == 64 * (40 + 4) + 128 * 4);
}

TEST_CASE("nonce_table: on-demand storage grows to the peak, then allocates nothing; shrink frees it when empty") {
    nonce_table<std::uint64_t> t(64, sluice::table_storage::on_demand);
    CHECK(t.capacity() == 64);
    CHECK(t.allocated() == 0);
    CHECK(t.heap_bytes() == 0);
    CHECK(t.next_deadline() == instant::never());
    CHECK_FALSE(t.resolve(1).has_value());
    CHECK(t.cancel(1) == core_errc::unknown_key);
    for (std::uint64_t k = 0; k < 20; ++k) REQUIRE_FALSE(t.insert(k, ms(static_cast<std::int64_t>(100 - k)), k * 10));
    CHECK(t.allocated() == 32); // 4, 8, 16, 32
    CHECK(t.heap_bytes() == nonce_table<std::uint64_t>::storage_bytes(32));
    CHECK(t.next_deadline() == ms(81));
    for (std::uint64_t k = 0; k < 20; ++k) CHECK(*t.find(k) == k * 10); // values moved with their slots
    {
        sluice_test::allocation_counter alloc; // at most 20 pending again: no allocation
        for (int round = 0; round < 100; ++round) {
            for (std::uint64_t k = 0; k < 20; ++k) CHECK(t.resolve(k).value_or(999) == k * 10);
            for (std::uint64_t k = 0; k < 20; ++k) REQUIRE_FALSE(t.insert(k, ms(static_cast<std::int64_t>(100 - k)), k * 10));
        }
        CHECK(alloc.count() == 0);
    }
    t.shrink(); // not empty: nothing happens
    CHECK(t.allocated() == 32);
    for (std::uint64_t k = 20; k < 64; ++k) REQUIRE_FALSE(t.insert(k, instant::never(), k));
    CHECK(t.allocated() == 64);
    CHECK(t.insert(99, instant::never(), 99) == core_errc::table_full);
    CHECK(t.drain_all([](std::uint64_t, std::uint64_t) {}) == 64);
    t.shrink();
    CHECK(t.allocated() == 0);
    CHECK(t.heap_bytes() == 0);
    REQUIRE_FALSE(t.insert(7, ms(5), 70)); // allocates again
    CHECK(t.allocated() == 4);
    CHECK(t.expire(ms(5), [](std::uint64_t k, std::uint64_t v) { CHECK(v == k * 10); }) == 1);
}

TEST_CASE("nonce_table: an on-demand table grows while a callback holds entries") {
    nonce_table<tracked> t(16, sluice::table_storage::on_demand);
    for (int k = 0; k < 4; ++k) REQUIRE_FALSE(t.emplace(static_cast<std::uint64_t>(k), ms(k), k));
    CHECK(t.allocated() == 4);
    std::vector<int> fired;
    // Each callback inserts two more entries: the first forces growth while
    // the rest of the firing list still holds its slots.
    t.drain_all([&](std::uint64_t k, tracked&& v) {
        fired.push_back(v.id);
        (void)t.emplace(100 + k, ms(50), static_cast<int>(100 + k));
        (void)t.emplace(200 + k, ms(60), static_cast<int>(200 + k));
    });
    CHECK(fired == std::vector<int>{0, 1, 2, 3});
    CHECK(t.size() == 8);
    CHECK(t.allocated() == 8);
    for (std::uint64_t k = 0; k < 4; ++k) {
        REQUIRE(t.find(100 + k) != nullptr);
        CHECK(t.find(100 + k)->id == static_cast<int>(100 + k));
    }
    t.clear();
    CHECK(tracked::live == 0);
}

TEST_CASE("nonce_table: drain_if hands out the matching entries, earliest first, and keeps the rest as they were") {
    nonce_table<int> t(8);
    REQUIRE_FALSE(t.insert(1, ms(30), 1));
    REQUIRE_FALSE(t.insert(2, ms(10), 2));
    REQUIRE_FALSE(t.insert(3, ms(20), 3));
    REQUIRE_FALSE(t.insert(4, instant::never(), 4));
    std::vector<std::uint64_t> lost;
    const std::size_t n = t.drain_if([](std::uint64_t, const int& v) noexcept { return v != 2; },
                                     [&](std::uint64_t k, int) {
                                         lost.push_back(k);
                                         if (k == 3) (void)t.insert(3, ms(40), 33); // a retry stays pending
                                     });
    CHECK(n == 3);
    CHECK(lost == std::vector<std::uint64_t>{3, 1, 4});
    CHECK(t.size() == 2);
    CHECK(t.deadline_of(2) == ms(10));
    CHECK(*t.find(3) == 33);
    CHECK(t.next_deadline() == ms(10));
    CHECK(t.drain_if([](std::uint64_t, const int&) noexcept { return false; }, [](std::uint64_t, int) {}) == 0);
    CHECK(t.size() == 2);
}

} // TEST_SUITE
