"""Retention (issue 12, item 9): ``infolinia purge`` on a real redis-server deletes what is past each kind's
retention (sessions, call transcripts, transfers, callbacks and the index entries pointing at them), deletes
voicemail recordings at the Twilio stand-in, keeps a recording it could not delete for the next run, and a
dry run changes nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from dialog.session import Session
from telephony.app.cli import _without_password, main
from telephony.retention.policy import DAY, Retention
from telephony.retention.purge import Purger
from telephony.twilio.rest import TwilioRestClient
from tests.support.pii import answer_offer, recording_url, transfer_with_pii
from tests.support.servers import free_port
from tests.support.transfer import ACCOUNT, AUTH, NOON, Env

RECORDING = "RE" + "a" * 32


async def _voicemail_world(env: Env) -> str:
    """A transfer that ended in a voicemail (recorded at NOON), a chat session and two call records: one
    saved eight days before NOON, one from an older version with neither a time nor an expiry."""
    tid, sid = await transfer_with_pii(env)
    record = (await answer_offer(env, tid, sid, "2")).find("Record")  # no callback: leave a message
    assert record is not None
    params = {"CallSid": sid, "RecordingUrl": recording_url(RECORDING), "RecordingDuration": "12"}
    assert (await env.post(record.get("action", ""), params)).status_code == 200
    r, p = env.redis, env.prefix
    await r.set(f"{p}session:s1", json.dumps(Session(id="s1", updated_at=NOON).stored()), ex=3600)
    await r.set(f"{p}call:CA1:transcript", json.dumps({"saved_at": NOON - 8 * DAY, "transcript": []}), ex=DAY)
    await r.set(f"{p}call:CA2:transcript", json.dumps({"transcript": []}))
    return tid


def _purger(env: Env, days_after_noon: float, rest: TwilioRestClient | None = None) -> Purger:
    return Purger(
        env.redis, Retention(), prefix=env.prefix, recordings=rest, clock=lambda: NOON + days_after_noon * DAY
    )


async def _exists(env: Env, *keys: str) -> list[bool]:
    return [bool(await env.redis.exists(env.prefix + k)) for k in keys]


async def test_purge_deletes_each_kind_after_its_retention_and_recordings_at_twilio(setup: Any) -> None:
    env = await setup([])
    tid = await _voicemail_world(env)
    callback = f"callback:cb-{tid}"
    rest = TwilioRestClient(ACCOUNT, AUTH, api_base=env.twilio.url)

    dry = await _purger(env, 3, rest).run(dry_run=True)
    assert f"transfer:{tid}" in dry.deleted["transfers"] and dry.deleted["sessions"] == ["session:s1"]
    assert dry.deleted["transcripts"] == ["call:CA1:transcript"] and dry.expiry_set == ["call:CA2:transcript"]
    assert await _exists(env, f"transfer:{tid}", "session:s1", "call:CA1:transcript") == [True, True, True]
    assert await env.redis.ttl(f"{env.prefix}call:CA2:transcript") == -1

    after_3_days = await _purger(env, 3, rest).run()  # transfers (2 d) and older go; callbacks (30 d) stay
    assert after_3_days.deleted == dry.deleted and after_3_days.recordings == []
    assert await _exists(env, f"transfer:{tid}", "session:s1", "call:CA1:transcript", callback) == [
        False,
        False,
        False,
        True,
    ]
    assert 0 < await env.redis.ttl(f"{env.prefix}call:CA2:transcript") <= Retention().transcripts_s
    assert [k async for k in env.redis.scan_iter(f"{env.prefix}transfer*")] == []
    assert env.twilio.deleted_recordings == set()  # the recording's 30 days are not over

    after_31_days = await _purger(env, 31, rest).run()
    assert after_31_days.deleted["callbacks"] == [callback] and after_31_days.recordings == [RECORDING]
    assert [r.call_sid for r in env.twilio.history if r.kind == "delete_recording"] == [RECORDING]
    assert await env.redis.zrange(f"{env.prefix}voicemails", 0, -1) == []
    assert await env.redis.zrange(f"{env.prefix}callbacks:pending", 0, -1) == []
    assert await env.redis.smembers(f"{env.prefix}queues") == set()
    assert (await _purger(env, 31, rest).run()).lines() == ["nothing to purge"]
    await rest.aclose()


async def test_a_recording_twilio_refuses_to_delete_is_kept_for_the_next_run(setup: Any) -> None:
    env = await setup([])
    await _voicemail_world(env)
    rest = TwilioRestClient(ACCOUNT, AUTH, api_base=env.twilio.url)
    env.twilio.fail_recording_deletes = True
    failed = await _purger(env, 31, rest).run()
    assert failed.failed == [RECORDING] and failed.recordings == []
    assert len(await env.redis.zrange(f"{env.prefix}voicemails", 0, -1)) == 1
    env.twilio.fail_recording_deletes = False
    assert (await _purger(env, 31, rest).run()).recordings == [RECORDING]
    assert env.twilio.deleted_recordings == {RECORDING}
    await rest.aclose()


async def test_the_purge_command_lists_in_a_dry_run_and_deletes_when_run(
    setup: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``infolinia purge``: records made at NOON (November 2025, past every retention by the real clock)."""
    env = await setup([])
    tid = await _voicemail_world(env)
    monkeypatch.setattr("telephony.app.cli.setup_logging", lambda *a, **k: None)  # keep pytest's log capture
    for name, value in {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": env.prefix,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH,
        "TWILIO_API_BASE": env.twilio.url,
    }.items():
        monkeypatch.setenv(f"INFOLINIA_{name}", value)

    assert await asyncio.to_thread(main, ["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run, nothing changed" in out and f"transfers transfer:{tid}" in out and RECORDING in out
    assert await _exists(env, f"transfer:{tid}", f"callback:cb-{tid}") == [True, True]
    assert env.twilio.deleted_recordings == set()

    assert await asyncio.to_thread(main, ["purge"]) == 0
    out = capsys.readouterr().out
    assert "transfers: deleted" in out and f"voicemail recordings at Twilio: deleted 1: {RECORDING}" in out
    assert await _exists(env, f"transfer:{tid}", f"callback:cb-{tid}") == [False, False]
    assert env.twilio.deleted_recordings == {RECORDING}


def test_the_purge_command_without_redis_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a walkthrough: Redis unreachable gave an 84-line traceback. The password stays out of it."""
    monkeypatch.setenv("INFOLINIA_REDIS_URL", f"redis://:s3cret@127.0.0.1:{free_port()}/0")
    monkeypatch.setenv("INFOLINIA_LOG_JSON", "false")
    assert main(["purge", "--dry-run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("infolinia: Redis at redis://:***@127.0.0.1:") and "cannot be reached" in err
    assert "\n" not in err
    assert "s3cret" not in err
    assert _without_password("redis://h:6379/0?password=s3cret&ssl=1") == "redis://h:6379/0?password=***&ssl=1"
