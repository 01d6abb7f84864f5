// The size of an idle connected Discord session: sizeof plus the heap it
// holds once shrunk (a long-idle session) and after beating again.
#include "harness.hpp"

using namespace test_dc;

TEST_CASE("discord: an idle connected session holds under 1 KiB (sizeof + heap)") {
    dc::config c = base_config();
    c.engine.wait_for_identify_permit = false;
    harness h(c);
    h.connect();
    for (int i = 0; i < 3; ++i) {
        const instant t = h.c.next_deadline();
        h.c.handle_timeout(t);
        drain(h.c);
        h.c.on_message(R"({"op":11})", message_type::text, t);
        drain(h.c);
    }
    const std::size_t warm = h.c.heap_bytes();
    h.c.shrink();
    const instant t = h.c.next_deadline();
    h.c.handle_timeout(t);
    drain(h.c);
    h.c.on_message(R"({"op":11})", message_type::text, t);
    drain(h.c);
    const std::size_t idle = h.c.heap_bytes();
    MESSAGE("sizeof(discord::client) = " << sizeof(dc::client) << ", heap: " << warm << " bytes after READY, " << idle
                                         << " once idle (shrunk), total " << sizeof(dc::client) + idle);
    CHECK(sizeof(dc::client) + idle < 1024);
    CHECK(h.c.is_ready());
}
