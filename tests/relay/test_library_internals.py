"""The aiortc and aioice internals the relay relies on are still where we reach for them.

pyproject.toml bounds both libraries to the versions tested; this test is what fails first
when a bound is lifted and an internal has moved (see docs/relay.md).
"""

from __future__ import annotations

import inspect

import aioice.ice
from aiortc import RTCIceGatherer, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.h264 import H264Encoder
from aiortc.rtcdtlstransport import SRTP_PROFILES, RTCCertificate
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket
from OpenSSL import SSL

from ingest.frame_bus import FrameBus
from ingest.packet import EncodedPacket, StreamKey
from relay.dtls import RelayCertificate, answer_actpass_as_server, use_relay_certificate
from relay.packetize import SharedPacker
from relay.track import RTP_TIME_BASE, BusTrack

H264_CODEC = RTCRtpCodecParameters(mimeType="video/H264", clockRate=90000, payloadType=102)


def test_aioice_host_address_discovery_is_patchable() -> None:
    # relay/ice.py replaces this module-level function to choose the ICE interfaces
    assert callable(aioice.ice.get_host_addresses)
    params = inspect.signature(aioice.ice.get_host_addresses).parameters
    assert list(params) == ["use_ipv4", "use_ipv6"]


def test_aioice_connection_consent_task_attribute() -> None:
    # relay/ice.py stop_consent_checks cancels Connection._query_consent_task
    source = inspect.getsource(aioice.ice.Connection)
    assert "self._query_consent_task" in source


def test_aiortc_gatherer_exposes_its_connection() -> None:
    gatherer = RTCIceGatherer()
    assert isinstance(gatherer._connection, aioice.ice.Connection)


def test_aiortc_h264_packetizer_static_helpers() -> None:
    # relay/packetize.py packetizes camera H.264 with aiortc's own FU-A/STAP-A code
    nal = b"\x00\x00\x00\x01\x65" + bytes(3000)
    units = list(H264Encoder._split_bitstream(nal))
    assert units == [nal[4:]]
    payloads = H264Encoder._packetize(units)
    assert len(payloads) > 1 and all(len(p) <= 1300 for p in payloads)


async def test_aiortc_certificate_slot_and_ssl_context_hook() -> None:
    # relay/dtls.py puts a RelayCertificate in the peer connection's private certificate list
    # before the DTLS transport is made, and overrides RTCCertificate._create_ssl_context
    pc = RTCPeerConnection()
    assert isinstance(vars(pc)["_RTCPeerConnection__certificates"], list)
    use_relay_certificate(pc)
    transceiver = pc.addTransceiver("video", direction="sendonly")
    transport = transceiver.receiver.transport
    assert isinstance(vars(transport)["_RTCDtlsTransport__local_certificate"], RelayCertificate)
    params = inspect.signature(RTCCertificate._create_ssl_context).parameters
    assert list(params) == ["self", "srtp_profiles"]
    ctx = RelayCertificate.generateCertificate()._create_ssl_context(SRTP_PROFILES)
    names = {c for c in SSL.Connection(ctx).get_cipher_list()}
    assert {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"} <= names
    await pc.close()


async def test_aiortc_dtls_role_is_settable_before_the_answer() -> None:
    # relay/dtls.py answer_actpass_as_server: the transport's `_role` is "auto" after an
    # actpass offer, `_set_role` changes it, and createAnswer keeps a role already set
    offer_pc = RTCPeerConnection()
    offer_pc.addTransceiver("video", direction="recvonly")
    await offer_pc.setLocalDescription(await offer_pc.createOffer())
    offer = offer_pc.localDescription.sdp
    assert "a=setup:actpass" in offer
    pc = RTCPeerConnection()
    await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
    transport = pc.getTransceivers()[0].receiver.transport
    assert transport._role == "auto"
    answer_actpass_as_server(pc)
    assert transport._role == "server"
    answer = await pc.createAnswer()
    assert "a=setup:passive" in answer.sdp
    await pc.close()
    await offer_pc.close()


async def test_a_passive_offer_is_answered_active() -> None:
    # aiortc leaves the role "auto" for a passive offer as for actpass; answering it passive
    # would make two DTLS servers (found by the werift client, tests/peers/test_node_whep.py)
    offer_pc = RTCPeerConnection()
    offer_pc.addTransceiver("video", direction="recvonly")
    await offer_pc.setLocalDescription(await offer_pc.createOffer())
    offer = offer_pc.localDescription.sdp.replace("a=setup:actpass", "a=setup:passive")
    pc = RTCPeerConnection()
    await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
    transport = pc.getTransceivers()[0].receiver.transport
    assert transport._role == "auto"
    answer_actpass_as_server(pc)
    assert transport._role == "client"
    answer = await pc.createAnswer()
    assert "a=setup:active" in answer.sdp
    await pc.close()
    await offer_pc.close()


async def test_aiortc_sender_packs_what_our_track_gives_with_the_encoder_in_its_slot() -> None:
    # relay/session.py puts a SharedPacker into the sender's private encoder slot; the sender
    # must keep it (made only when None) and call its pack() for a non-Frame from recv()
    channel = FrameBus().channel(StreamKey(1, "main"))
    channel.publish(EncodedPacket(b"\x00\x00\x00\x01\x65" + bytes(50), 0, RTP_TIME_BASE, True,
                                  "h264", 0.0, 0.0))  # fmt: skip
    pc = RTCPeerConnection()
    track = BusTrack(channel)
    sender = pc.addTransceiver(track, direction="sendonly").sender
    assert "_RTCRtpSender__encoder" in vars(sender)
    setattr(sender, "_RTCRtpSender__encoder", SharedPacker())  # noqa: B010
    frame = await sender._next_encoded_frame(H264_CODEC)
    assert frame is not None and frame.payloads == [b"\x65" + bytes(50)]
    assert isinstance(vars(sender)["_RTCRtpSender__encoder"], SharedPacker)
    track.stop()
    await pc.close()


async def test_aiortc_sender_answers_pli_through_send_keyframe() -> None:
    # relay/session.py points the sender's _send_keyframe at BusTrack.request_keyframe
    pc = RTCPeerConnection()
    sender = pc.addTransceiver("video", direction="sendonly").sender
    asked: list[bool] = []
    sender._send_keyframe = lambda: asked.append(True)  # type: ignore[method-assign]
    ssrc = sender._ssrc
    await sender._handle_rtcp_packet(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=ssrc))
    assert asked == [True]
    await pc.close()
