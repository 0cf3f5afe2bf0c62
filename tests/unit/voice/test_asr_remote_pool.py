"""The recognizer tier's pure parts: which server a turn tries (rotation, cooldown after a failure), the
URI setting's validation, and the transcript details carried over the Wyoming hop."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from telephony.settings import Settings
from voice.asr_remote import EXTENSION, extension_of, transcript_from
from voice.ports import Transcript
from voice.remote_pool import ServerPool, parse_uris

A, B, C = "tcp://a:10700", "tcp://b:10700", "tcp://c:10700"


def test_turns_rotate_over_healthy_servers() -> None:
    pool = ServerPool([A, B, C])
    assert [pool.order(0.0)[0] for _ in range(4)] == [A, B, C, A]
    assert pool.order(0.0) == [B, C, A]  # each turn may try every server once


def test_a_failed_server_goes_last_until_its_cooldown_ends_then_returns() -> None:
    pool = ServerPool([A, B, C], cooldown_s=10.0)
    pool.failed(A, now=100.0)
    assert pool.down(105.0) == [A]
    assert [pool.order(105.0) for _ in range(3)] == [[B, C, A], [B, C, A], [C, B, A]]
    assert pool.down(110.0) == [] and A in pool.order(110.0)[:2]
    pool.failed(B, now=200.0)
    pool.succeeded(B)  # answered after all (it was tried last and worked)
    assert pool.down(201.0) == []


def test_when_all_are_down_the_soonest_back_is_tried_first() -> None:
    pool = ServerPool([A, B], cooldown_s=10.0)
    pool.failed(B, now=0.0)
    pool.failed(A, now=5.0)
    assert pool.order(6.0) == [B, A]


def test_one_uri_is_a_balancer_and_is_tried_twice() -> None:
    pool = ServerPool(["tcp://recognizer:10700"])
    pool.failed("tcp://recognizer:10700", now=0.0)
    assert pool.order(1.0) == ["tcp://recognizer:10700", "tcp://recognizer:10700"]


def test_uris_are_validated_at_start_up() -> None:
    assert parse_uris(" tcp://gpu1:10300, unix:///run/asr.sock ,") == ["tcp://gpu1:10300", "unix:///run/asr.sock"]
    assert parse_uris("") == []
    for bad in ("gpu1:10300", "tcp://gpu1", "http://gpu1:10300"):
        with pytest.raises(ValueError, match="not a Wyoming server URI"):
            parse_uris(bad)
    with pytest.raises(ValidationError, match="asr_remote"):
        Settings.model_validate({"asr_remote": "tcp://gpu1:10300,gpu2"})


def test_the_details_survive_the_hop_and_the_hop_counts_as_processing() -> None:
    sent = Transcript(
        text="",
        confidence=0.2,
        audio_s=1.5,
        processing_s=0.4,
        queued_s=0.25,
        segments=((0.0, 1.2, "tak"),),
        rejected="low_logprob",
        alternatives=(("tak", -1.6), ("dak", -2.0)),
    )
    got = transcript_from({"text": "", "language": "pl", EXTENSION: extension_of(sent)}, 1.5, round_trip_s=1.0)
    assert (got.confidence, got.rejected, got.alternatives, got.segments) == (
        0.2,
        "low_logprob",
        (("tak", -1.6), ("dak", -2.0)),
        ((0.0, 1.2, "tak"),),
    )
    assert (got.queued_s, got.processing_s) == (0.25, 0.75)


def test_a_plain_wyoming_server_gives_text_only() -> None:
    """wyoming-faster-whisper sends no details: heard text is trusted, silence is an unheard turn."""
    said = transcript_from({"text": " Dzień dobry "}, 2.0, round_trip_s=0.5)
    assert (said.text, said.confidence, said.processing_s, said.rejected) == ("Dzień dobry", 1.0, 0.5, "")
    assert transcript_from({"text": ""}, 2.0, round_trip_s=0.5).confidence == 0.0


def test_garbled_details_are_an_error_not_a_transcript() -> None:
    """A server answering nonsense is treated as a failed server (the turn goes to the next one)."""
    for ext in ({"segments": [["x"]]}, {"confidence": "high"}, {"alternatives": 5}):
        with pytest.raises((TypeError, ValueError)):
            transcript_from({"text": "tak", EXTENSION: ext}, 1.0, round_trip_s=0.1)
