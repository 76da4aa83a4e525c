"""`DigestCamera`: an `onvif.ONVIFCamera` whose services also answer an HTTP Digest challenge.

Some cameras demand HTTP Digest (RFC 7616) on the SOAP endpoints instead of, or as well as,
the WS-UsernameToken. onvif-zeep-async 4.3 has no hook for HTTP authentication: each service
builds its own aiohttp session. So every service this camera creates gets, before its first
request, a session with aiohttp's `DigestAuthMiddleware`, which only acts on a 401 carrying a
Digest challenge (a camera that does not ask never sees it). This touches the library's
`ONVIFService._session` / `transport.session`; the version is pinned below 5 for that.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from onvif import ONVIFCamera


class DigestCamera(ONVIFCamera):
    async def create_onvif_service(self, name: str, *args: Any, **kwargs: Any) -> Any:
        service = await super().create_onvif_service(name, *args, **kwargs)
        if self.user and not getattr(service, "_vms_digest", False):
            old: aiohttp.ClientSession = service._session
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=False),  # as the library: cameras self-sign
                timeout=old.timeout,
                middlewares=(aiohttp.DigestAuthMiddleware(self.user, self.passwd or ""),),
            )
            await old.close()
            service._session = session
            service._connector = session.connector
            service.transport.session = session
            service._vms_digest = True
        return service
