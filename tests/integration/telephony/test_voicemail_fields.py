"""A voicemail's signed callbacks with odd fields (a probe, 2026-12-07): what is stored for the agents' console.

The console links a callback's ``voicemail_url`` ("nagranie", opened by the agent's browser) and the retention
purge deletes the Recording SID found in it at Twilio. So only a Twilio recording URL is kept: https on a
twilio.com host, of a sane length; and a recording status callback that says the recording is ``absent`` or
``failed`` attaches nothing (the agent would get a link to no message). Real redis-server, the Twilio stand-in.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pii import answer_offer, recording_url, transfer_with_pii
from tests.support.transfer import Env, xml

GOOD = recording_url("RE" + "c" * 32)


async def _voicemail_offer(env: Env) -> tuple[str, str, str, str]:
    """A caller handed to the voicemail: (transfer id, CallSid, the Record action, its status callback)."""
    tid, sid = await transfer_with_pii(env)
    record = (await answer_offer(env, tid, sid, "2")).find("Record")
    assert record is not None
    return tid, sid, record.get("action", ""), record.get("recordingStatusCallback", "")


async def _stored(env: Env, tid: str) -> tuple[dict[str, str], list[str]]:
    row = await env.redis.hgetall(f"{env.prefix}callback:cb-{tid}")
    members = await env.redis.zrange(f"{env.prefix}voicemails", 0, -1)
    return {_text(k): _text(v) for k, v in row.items()}, [_text(m) for m in members]


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/RE" + "a" * 32,  # not Twilio, not https: an address inside
        "javascript:alert(document.cookie)//RE" + "b" * 32,  # a script link in the agent's console
        "https://api.twilio.com.evil.example/Recordings/RE" + "d" * 32,
        "https://api.twilio.com/" + "x" * 5000,
        "https://api.twilio.com/Recordings/\u202eRE" + "e" * 32,
    ],
)
async def test_a_recording_url_that_is_not_twilios_is_not_kept(setup: Any, url: str) -> None:
    env = await setup([])
    tid, sid, action, _ = await _voicemail_offer(env)
    said = xml(await env.post(action, {"CallSid": sid, "RecordingUrl": url, "RecordingDuration": "9"}))
    assert said.find("Hangup") is not None  # the caller still hears the goodbye, never silence
    row, members = await _stored(env, tid)
    assert "voicemail_url" not in row and members == []


async def test_an_absent_recording_attaches_nothing_and_a_completed_one_with_an_absurd_length_is_kept(
    setup: Any,
) -> None:
    env = await setup([])
    tid, sid, _, status = await _voicemail_offer(env)
    absent = {"CallSid": sid, "RecordingUrl": GOOD, "RecordingStatus": "absent", "RecordingDuration": "0"}
    assert (await env.post(status, absent)).status_code == 200
    row, members = await _stored(env, tid)
    assert "voicemail_url" not in row and members == []
    done = {"CallSid": sid, "RecordingUrl": GOOD, "RecordingStatus": "completed", "RecordingDuration": "1e308"}
    for _ in range(2):  # Twilio retries a callback it got no answer to: a copy attaches nothing more
        assert (await env.post(status, done)).status_code == 200
    row, members = await _stored(env, tid)
    assert row["voicemail_url"] == GOOD and "voicemail_s" not in row  # kept, without a length nobody could record
    assert members == [f"RE{'c' * 32} cb-{tid}"]
