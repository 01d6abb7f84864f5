#pragma once
// sluice/gateway.hpp: the gateway session engine shared by every gateway
// protocol (policy concept, actions, heartbeat, send budget, errors).
#include <sluice/gateway/action.hpp>
#include <sluice/gateway/errc.hpp>
#include <sluice/gateway/heartbeat.hpp>
#include <sluice/gateway/policy.hpp>
#include <sluice/gateway/session.hpp>
