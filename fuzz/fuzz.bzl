"""The swim_fuzzer macro: one fuzz target, built three ways."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

def swim_fuzzer(name, deps, testonly = False, size = "small"):
    """Defines `name` (fuzzer) and `name`_corpus_test.

    Args:
      name: target name; sources are `name`.cc, corpus is corpus/`name`/.
      deps: libraries the fuzz target exercises.
      testonly: set when a dependency is test-only (the simulator kit).
      size: the corpus test's size.
    """
    cc_binary(
        name = name,
        testonly = testonly,
        # Custom mutators call into libFuzzer, so they exist only there.
        local_defines = select({
            ":libfuzzer": ["SWIM_LIBFUZZER"],
            "//conditions:default": [],
        }),
        srcs = [name + ".cc"],
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            ":libfuzzer": [],
            "//conditions:default": [":replay_main"],
        }),
    )
    cc_test(
        name = name + "_corpus_test",
        size = size,
        srcs = [name + ".cc"],
        args = ["fuzz/corpus/" + name],
        data = native.glob(["corpus/" + name + "/**"]),
        deps = deps + [":replay_main"],
    )
