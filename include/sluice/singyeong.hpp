#pragma once
// sluice/singyeong.hpp: the 신경 (singyeong) layer: DSNs, routing queries,
// metadata, frames and the client machine (seed 003 and the real server).
//
// Includes: every public header of sluice/singyeong/.
#include <sluice/singyeong/client.hpp>
#include <sluice/singyeong/dsn.hpp>
#include <sluice/singyeong/errc.hpp>
#include <sluice/singyeong/frame.hpp>
#include <sluice/singyeong/metadata.hpp>
#include <sluice/singyeong/query.hpp>
