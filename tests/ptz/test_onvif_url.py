"""The onvif_url check: scheme, host syntax, no credentials, the device service path."""

from __future__ import annotations

import pytest

from vms.ptz.onvif_url import check_onvif_url


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("http://10.0.0.5", "http://10.0.0.5/onvif/device_service"),
        (
            "https://cam-1.patong.example:8443/",
            "https://cam-1.patong.example:8443/onvif/device_service",
        ),
        (
            "http://[fd00::5]:8080/onvif/device_service",
            "http://[fd00::5]:8080/onvif/device_service",
        ),
        (" http://cam7/onvif/device_service ", "http://cam7/onvif/device_service"),
    ],
)
def test_accepted_and_normalised(given: str, stored: str) -> None:
    assert check_onvif_url(given) == stored


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("rtsp://10.0.0.5/", "scheme"),
        ("10.0.0.5", "scheme"),
        ("http://admin:hunter2@10.0.0.5/", "credentials"),
        ("http://admin@10.0.0.5/", "credentials"),
        ("http:///onvif/device_service", "host"),
        ("http://999.1.1.1/", "host"),
        ("http://bad_host!/", "host"),
        ("http://10.0.0.5:99999/", "port"),
        ("http://10.0.0.5/onvif/device_service?x=1", "query"),
        ("http://10.0.0.5/cgi-bin/onvif", "path"),
    ],
)
def test_refused_naming_the_problem(given: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        check_onvif_url(given)
    assert "hunter2" not in str(caught.value)
