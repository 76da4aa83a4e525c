"""Offer validation (relay/sdp.py): real offers pass, hostile ones fail with a useful message."""

from __future__ import annotations

import re

import pytest

from relay.sdp import MAX_OFFER_BYTES, NO_H264, parse_offer
from tests.relay.offers import only_codec, viewer_offer, without
from vms.errors import InvalidInput, PayloadTooLarge


@pytest.fixture
async def offer() -> str:
    return await viewer_offer()


async def test_real_offer_is_accepted_with_its_h264_formats(offer: str) -> None:
    parsed = parse_offer(offer.encode())
    formats = parsed.video.h264_formats()
    assert {f.profile_level_id for f in formats} >= {"42e01f"}
    assert all(f.packetization_mode == 1 for f in formats)
    assert parsed.video.direction == "recvonly"


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda s: s[: len(s) // 3], "fingerprint"),
        (lambda s: without(s, "a=fingerprint"), "fingerprint"),
        (lambda s: without(s, "a=ice-ufrag"), "ice-ufrag"),
        (
            lambda s: re.sub(r"(m=video \d+ UDP/TLS/RTP/SAVPF)", r"\1 4000000", s),
            "payload type",
        ),
        (lambda s: s.replace("a=rtpmap:", "a=rtpmap:999999", 1), "payload type"),
        (lambda s: "x" + s, "v=0"),
        (lambda s: s.replace("a=recvonly", "a=sendonly"), "sendonly"),
        (lambda s: only_codec(s, "VP8"), NO_H264),
        (
            lambda s: s.replace("packetization-mode=1", "packetization-mode=0"),
            "packetization-mode 0",
        ),
        (lambda s: s + "a=x\r\n" * 3000, "lines"),
        (lambda s: s + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:x\r\n" * 20, "media sections"),
        (lambda s: s.replace("o=", "a=", 1), "o= line"),
        (lambda s: s.replace("\r\n", "\r\n\x00", 1), "line 2"),
    ],
)
async def test_hostile_offer_is_refused_naming_the_problem(
    offer: str, mutate: object, problem: str
) -> None:
    assert callable(mutate)
    with pytest.raises(InvalidInput) as err:
        parse_offer(mutate(offer).encode())
    assert problem in err.value.message


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_offer(b"v=0\r\n" + b"a" * MAX_OFFER_BYTES)


def test_not_utf8_is_refused() -> None:
    with pytest.raises(InvalidInput, match="UTF-8"):
        parse_offer(b"v=0\r\n\xff\xfe")


async def test_mdns_candidates_and_end_of_candidates_are_dropped(offer: str) -> None:
    lines = offer.rstrip("\r\n").split("\r\n")
    mdns = "a=candidate:1800945730 1 udp 2113937151 18d35abe-a801-4613.local 59141 typ host"
    plain = "a=candidate:1814703346 1 udp 2113942271 192.0.2.7 50702 typ host"
    text = "\r\n".join([*lines, mdns, plain, "a=end-of-candidates"]) + "\r\n"
    sdp = parse_offer(text.encode()).sdp
    assert ".local" not in sdp and "end-of-candidates" not in sdp
    assert plain in sdp.split("\r\n")


async def test_offer_without_mdns_names_is_passed_as_sent(offer: str) -> None:
    assert parse_offer(offer.encode()).sdp == offer
