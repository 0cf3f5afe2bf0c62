"""Which voicemail ``RecordingUrl`` is kept (``telephony.twilio.wire.recording_of``; review, 2026-12-07).

The console links the URL ("nagranie") for an agent's browser, so the host that counts is the one a browser
(WHATWG URL) goes to, not Python's ``urlsplit``: to a browser ``\\`` in an https URL is ``/``, so
``https://evil.example\\@api.twilio.com/`` is evil.example, where ``urlsplit`` saw api.twilio.com. Twilio's own
forms (regional hosts, a ``.mp3``/``.wav`` suffix, a query) are kept.
"""

from __future__ import annotations

import pytest

from telephony.twilio.wire import recording_of

PATH = "/2010-04-01/Accounts/AC" + "1" * 32 + "/Recordings/RE" + "2" * 32


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com" + PATH,
        "https://api.dublin.ie1.twilio.com" + PATH + ".mp3",
        "https://api.sydney.au1.twilio.com" + PATH + ".wav?Download=true",
        "https://API.Twilio.com" + PATH,
    ],
)
def test_twilios_own_recording_urls_are_kept(url: str) -> None:
    assert recording_of({"RecordingUrl": url, "RecordingDuration": "7"}) == (url, 7.0)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@api.twilio.com" + PATH,  # a browser: host evil.example, path /@api.twilio.com/...
        "https://evil.example\\.twilio.com" + PATH,  # a browser: host evil.example
        "https://evil.example\\api.twilio.com" + PATH,
        "https://user:secret@api.twilio.com" + PATH,  # Twilio never sends credentials in the URL
    ],
)
def test_a_url_a_browser_reads_as_another_host_is_not_kept(url: str) -> None:
    assert recording_of({"RecordingUrl": url, "RecordingDuration": "7"}) is None
