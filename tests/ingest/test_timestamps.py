"""PtsNormaliser on synthetic timestamp sequences: steady, wrap, jumps, reconnects."""

from __future__ import annotations

from fractions import Fraction

from ingest.timestamps import OUT_TIME_BASE, PtsNormaliser

TB = Fraction(1, 90_000)
FRAME = 6000  # 15 fps in 90 kHz


def run(norm: PtsNormaliser, raws: list[int | None], tb: Fraction = TB) -> list[int]:
    return [norm.convert(r, tb) for r in raws]


def test_steady_stream_keeps_its_spacing_from_zero() -> None:
    out = run(PtsNormaliser(), [1_000_000 + i * FRAME for i in range(10)])
    assert out == [i * FRAME for i in range(10)]


def test_other_time_base_is_rescaled_to_90khz() -> None:
    out = run(PtsNormaliser(), [0, 40, 80], Fraction(1, 1000))
    assert out == [0, 3600, 7200]
    assert OUT_TIME_BASE == Fraction(1, 90_000)


def test_33_bit_wraparound_is_unwrapped() -> None:
    wrap = 1 << 33
    raws = [wrap - 2 * FRAME, wrap - FRAME, 0, FRAME, 2 * FRAME]
    out = run(PtsNormaliser(), raws)
    assert out == [i * FRAME for i in range(5)]


def test_backwards_jump_rebases_one_frame_later() -> None:
    norm = PtsNormaliser()
    out = run(norm, [500_000, 506_000, 512_000, 10, 6010, 12_010])
    assert out == [0, 6000, 12_000, 18_000, 24_000, 30_000]
    assert norm.discontinuities == 1


def test_forward_jump_beyond_max_gap_rebases() -> None:
    norm = PtsNormaliser(max_gap_s=5)
    out = run(norm, [0, FRAME, FRAME + 3600 * 90_000, 2 * FRAME + 3600 * 90_000])
    assert out == [0, FRAME, 2 * FRAME, 3 * FRAME]
    assert norm.discontinuities == 1


def test_reconnect_continues_the_timeline() -> None:
    norm = PtsNormaliser()
    first = run(norm, [90_000, 96_000, 102_000])
    norm.restart()  # the camera rebooted: its clock starts anywhere
    second = run(norm, [7, 6007])
    assert first + second == [0, 6000, 12_000, 18_000, 24_000]


def test_missing_timestamps_advance_by_a_frame_and_equal_ones_hold() -> None:
    out = run(PtsNormaliser(), [0, FRAME, None, 3 * FRAME, 3 * FRAME])
    assert out == [0, FRAME, 2 * FRAME, 3 * FRAME, 3 * FRAME]
