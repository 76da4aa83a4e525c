"""H.264 profile matching: what the camera's SPS says, and which offered formats can carry it.

We pass the camera's bitstream through untouched, so the answer must name an H.264 format whose
profile the stream actually uses. aiortc only knows (constrained) baseline out of the box; real
cameras often send Main or High, so those profiles are added to aiortc's codec table once.
"""

from __future__ import annotations

from aiortc.codecs import CODECS
from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpCodecCapability, RTCRtpCodecParameters
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.sdp import H264Profile, parse_h264_profile_level_id

from relay.sdp import H264Format

DEFAULT_PROFILE_LEVEL_ID = "42e01f"  # constrained baseline 3.1: what a stream without SPS gets
_EXTRA_PROFILES = ("4d001f", "64001f")  # Main, High (level 3.1; level-asymmetry-allowed)

# Profiles whose decoders can take a stream of the key profile, best match first. Constrained
# baseline uses only tools every other profile has (a CB stream sets constraint_set1: it is a
# Main stream too), Main is a subset of High, and Baseline's FMO/ASO are in Baseline alone.
_RECEIVERS: dict[H264Profile, tuple[H264Profile, ...]] = {
    H264Profile.PROFILE_CONSTRAINED_BASELINE: (
        H264Profile.PROFILE_CONSTRAINED_BASELINE,
        H264Profile.PROFILE_BASELINE,
        H264Profile.PROFILE_MAIN,
        H264Profile.PROFILE_CONSTRAINED_HIGH,
        H264Profile.PROFILE_HIGH,
    ),
    H264Profile.PROFILE_BASELINE: (H264Profile.PROFILE_BASELINE,),
    H264Profile.PROFILE_MAIN: (H264Profile.PROFILE_MAIN, H264Profile.PROFILE_HIGH),
    H264Profile.PROFILE_CONSTRAINED_HIGH: (
        H264Profile.PROFILE_CONSTRAINED_HIGH,
        H264Profile.PROFILE_HIGH,
    ),
    H264Profile.PROFILE_HIGH: (H264Profile.PROFILE_HIGH,),
}


def register_profiles() -> None:
    """Teach aiortc to negotiate Main and High profile H.264 (idempotent)."""
    video = CODECS["video"]
    known = {c.parameters.get("profile-level-id") for c in video if c.mimeType == "video/H264"}
    next_pt = max((c.payloadType or 0 for c in video), default=96) + 1
    for plid in _EXTRA_PROFILES:
        if plid in known:
            continue
        video.append(
            RTCRtpCodecParameters(
                mimeType="video/H264",
                clockRate=90000,
                payloadType=next_pt,
                rtcpFeedback=[
                    RTCRtcpFeedback(type="nack"),
                    RTCRtcpFeedback(type="nack", parameter="pli"),
                    RTCRtcpFeedback(type="goog-remb"),
                ],
                parameters={
                    "level-asymmetry-allowed": "1",
                    "packetization-mode": "1",
                    "profile-level-id": plid,
                },
            )
        )
        video.append(
            RTCRtpCodecParameters(
                mimeType="video/rtx",
                clockRate=90000,
                payloadType=next_pt + 1,
                parameters={"apt": next_pt},
            )
        )
        next_pt += 2


def profile_level_id(annexb: bytes) -> str:
    """The profile-level-id (6 hex digits) of the first SPS in an Annex-B access unit."""
    start = 0
    while True:
        start = annexb.find(b"\x00\x00\x01", start)
        if start < 0 or start + 6 > len(annexb):
            return DEFAULT_PROFILE_LEVEL_ID
        start += 3
        if annexb[start] & 0x1F == 7:  # sequence parameter set
            return annexb[start + 1 : start + 4].hex()


def profile_of(plid: str) -> H264Profile | None:
    """The aiortc profile of a profile-level-id, or None when it is not one WebRTC knows."""
    try:
        return parse_h264_profile_level_id(plid)[0]
    except ValueError:
        return None


def describe(plid: str) -> str:
    """A readable name for a profile-level-id, for error messages."""
    profile = profile_of(plid)
    name = profile.name.removeprefix("PROFILE_").replace("_", " ").lower() if profile else plid
    return f"{name} ({plid})"


def receivable(stream_plid: str, offered: list[H264Format]) -> bool:
    """Whether any offered packetization-mode 1 format can decode a stream of `stream_plid`."""
    wanted = _RECEIVERS.get(profile_of(stream_plid) or H264Profile.PROFILE_HIGH, ())
    return any(
        f.packetization_mode == 1 and profile_of(f.profile_level_id) in wanted for f in offered
    )


def preferences(stream_plid: str) -> list[RTCRtpCodecCapability]:
    """aiortc codec preferences that let only formats able to carry this stream be answered."""
    wanted = _RECEIVERS.get(profile_of(stream_plid) or H264Profile.PROFILE_HIGH, ())
    caps = RTCRtpSender.getCapabilities("video").codecs
    chosen: list[RTCRtpCodecCapability] = []
    for profile in wanted:
        for cap in caps:
            plid = str(cap.parameters.get("profile-level-id", ""))
            if cap.mimeType.lower() == "video/h264" and profile_of(plid) == profile:
                chosen.append(cap)
    chosen.extend(c for c in caps if c.mimeType.lower() == "video/rtx")
    return chosen
