"""The CPU line benchmarks print: int8 figures (Whisper's WER among them) differ between CPU features."""

from __future__ import annotations

from telephony.devtools.load_test_report import int8_features, machine, machine_line


def test_int8_features_are_named_best_first() -> None:
    flags = "fpu sse2 avx2 avx512f avx512bw avx512_vnni amx_tile amx_int8 avx_vnni"
    assert int8_features(flags) == "amx_int8 avx512_vnni avx_vnni avx512bw avx2"
    assert int8_features("fpu sse2 avx avx2 fma") == "avx2"
    assert int8_features("fpu neon asimd").startswith("none of amx_int8/")


def test_machine_line_names_this_machine() -> None:
    m = machine()
    line = machine_line()
    assert line.startswith(f"Machine: {m['cpus']} CPUs (") and f"int8 features: {m['int8']})" in line
