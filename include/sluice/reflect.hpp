#pragma once
// sluice/reflect.hpp: compile-time reflection of aggregates (field count,
// names, access by index) with a meta<T> customization point for renames,
// enums as strings and non-aggregates. Knows nothing about JSON.
#include <sluice/reflect/enum.hpp>
#include <sluice/reflect/fields.hpp>
#include <sluice/reflect/meta.hpp>
