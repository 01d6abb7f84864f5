#include <sluice/gateway/heartbeat.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

namespace gw = sluice::gateway;
using sluice::instant;

TEST_CASE("heartbeat: first beat at interval × jitter, then every interval") {
    gw::heartbeat hb;
    CHECK_FALSE(hb.running());
    const instant t0 = instant::from_ns(1'000'000'000);
    CHECK(hb.start(std::chrono::seconds(40), 0.25, t0) == t0 + std::chrono::seconds(10));
    CHECK(hb.running());
    CHECK(hb.on_due() == gw::heartbeat::verdict::beat); // nothing sent yet
    CHECK(hb.sent_regular(t0 + std::chrono::seconds(10)) == t0 + std::chrono::seconds(50));
    CHECK(hb.on_due() == gw::heartbeat::verdict::zombie);
    hb.acked(t0 + std::chrono::seconds(11));
    CHECK(hb.latency() == std::chrono::seconds(1));
    CHECK(hb.on_due() == gw::heartbeat::verdict::beat);
    hb.stop();
    CHECK_FALSE(hb.running());
}

TEST_CASE("heartbeat: jitter is clamped to [0, 1]") {
    gw::heartbeat hb;
    const instant t0 = instant::zero();
    CHECK(hb.start(std::chrono::seconds(1), -3.0, t0) == t0);
    CHECK(hb.start(std::chrono::seconds(1), 7.0, t0) == t0 + std::chrono::seconds(1));
}

TEST_CASE("heartbeat: a requested beat does not move the schedule") {
    gw::heartbeat hb;
    const instant t0 = instant::zero();
    hb.start(std::chrono::seconds(10), 1.0, t0);
    CHECK(hb.sent_regular(t0 + std::chrono::seconds(10)) == t0 + std::chrono::seconds(20));
    hb.acked(t0 + std::chrono::seconds(10));
    hb.sent_requested(t0 + std::chrono::seconds(19));
    CHECK(hb.on_due() == gw::heartbeat::verdict::beat);
}
