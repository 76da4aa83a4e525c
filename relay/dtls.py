"""DTLS that connects with RSA and ECDSA peers, in every role a WHEP offer can ask for.

aiortc's DTLS offers only ECDHE-ECDSA cipher suites and answers an `a=setup:actpass` offer with
`a=setup:active` (it becomes the DTLS client). A client whose certificate is RSA (GStreamer's
webrtcbin, by default) then is the DTLS server, can only pick an ECDHE-RSA suite, and the
handshake dies with "no shared cipher". Two choices, both taken:

* `actpass` is answered `passive`: we are the DTLS server, our ECDSA certificate picks the
  suite, and the client's certificate (RSA or ECDSA) only signs its CertificateVerify. This is
  what most WebRTC servers answer (the WHEP draft leaves it to the answerer).
* our cipher list names the ECDHE-RSA suites too, so a client that insists on being the server
  (`a=setup:passive`, answered `active`) may hold an RSA certificate. Harmless when we are the
  server: an ECDSA certificate cannot select an RSA suite.

Both reach into aiortc (the peer connection's certificate slot, the DTLS transport's role);
tests/relay/test_library_internals.py fails the day either moves.
"""

from __future__ import annotations

from aiortc import RTCPeerConnection
from aiortc.rtcdtlstransport import RTCCertificate, SRTPProtectionProfile
from aiortc.sdp import SessionDescription
from OpenSSL import SSL

# ECDSA first (our certificate, and browsers'), then RSA for DTLS servers holding an RSA key;
# AEAD before CBC. All forward-secret (ECDHE).
CIPHER_SUITES = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES256-SHA",
)


class RelayCertificate(RTCCertificate):
    """aiortc's ECDSA P-256 certificate, with a DTLS context that also accepts RSA servers."""

    def _create_ssl_context(self, srtp_profiles: list[SRTPProtectionProfile]) -> SSL.Context:
        ctx = super()._create_ssl_context(srtp_profiles)
        ctx.set_cipher_list(":".join(CIPHER_SUITES).encode())
        return ctx


def use_relay_certificate(pc: RTCPeerConnection) -> None:
    """Give a new peer connection a `RelayCertificate`; call before adding a transceiver (the
    DTLS transport takes the certificate when it is made)."""
    setattr(pc, "_RTCPeerConnection__certificates", [RelayCertificate.generateCertificate()])  # noqa: B010


def answer_actpass_as_server(pc: RTCPeerConnection) -> None:
    """After the remote offer is set, before `createAnswer()`: a DTLS transport the offer left
    to us (`actpass`) becomes the DTLS server, so the answer says `a=setup:passive`; one whose
    offer said `passive` becomes the client (`a=setup:active`). aiortc leaves its role "auto"
    for both (it only acts on an `active` offer, which already made it the server), and would
    answer a `passive` offer `passive` too: two DTLS servers, which a client that keeps the
    role it offered cannot connect with."""
    offered: dict[str | None, str] = {
        media.rtp.muxId: media.dtls.role
        for media in SessionDescription.parse(pc.remoteDescription.sdp).media
        if media.dtls is not None
    }
    for transceiver in pc.getTransceivers():
        transport = transceiver.receiver.transport
        if transport._role == "auto":
            passive = offered.get(transceiver.mid) == "server"
            transport._set_role("client" if passive else "server")
