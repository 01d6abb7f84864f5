# Conan 2 recipe for sluice: a header-only package (the headers and the
# licence, no binaries, no settings in the package id).
#
#   conan create .                       # package it into the local cache
#   requires = "sluice/0.1.0"            # in a consumer's conanfile
#
# The consumer gets the include path and C++20 as the required standard; the
# library needs nothing but the standard library, so the recipe has no
# requirements of its own. Two optional headers need a compression library the
# consumer requires itself: discord/zlib_stream.hpp (zlib) and
# discord/zstd_stream.hpp (zstd), e.g. `requires = "zlib/[>=1.2]", "zstd/[>=1.5]"`. The version is read from meson.build so the two
# never disagree.
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout


class SluiceConan(ConanFile):
    name = "sluice"
    license = "BSL-1.0"
    description = "Header-only C++20 sans-I/O protocol state machines for Discord-style WebSocket gateways"
    topics = ("websocket", "gateway", "discord", "sans-io", "json", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*", "LICENSE", "meson.build"
    no_copy_source = True

    def set_version(self):
        text = load(self, os.path.join(self.recipe_folder, "meson.build"))
        self.version = re.search(r"project\(.*?\bversion\s*:\s*'([^']+)'", text, re.S).group(1)

    def layout(self):
        basic_layout(self, src_folder=".")

    def validate(self):
        check_min_cppstd(self, 20)

    def package_id(self):
        self.info.clear()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("pkg_config_name", "sluice")
        self.cpp_info.set_property("cmake_file_name", "sluice")
        self.cpp_info.set_property("cmake_target_name", "sluice::sluice")
