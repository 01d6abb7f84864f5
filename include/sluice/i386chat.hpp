#pragma once
// sluice/i386chat.hpp: the i386chat layer: frames and the client machine
// (seed 002).
//
// Includes: every public header of sluice/i386chat/.
#include <sluice/i386chat/client.hpp>
#include <sluice/i386chat/errc.hpp>
#include <sluice/i386chat/frame.hpp>
