"""The swim_fuzzer macro: one fuzz target, built three ways."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

def swim_fuzzer(name, deps):
    """Defines `name` (fuzzer) and `name`_corpus_test.

    Args:
      name: target name; sources are `name`.cc, corpus is corpus/`name`/.
      deps: libraries the fuzz target exercises.
    """
    cc_binary(
        name = name,
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
        size = "small",
        srcs = [name + ".cc"],
        args = ["fuzz/corpus/" + name],
        data = native.glob(["corpus/" + name + "/**"]),
        deps = deps + [":replay_main"],
    )
