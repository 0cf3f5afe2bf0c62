"""TwiML documents the gateway answers with, built by the ``twilio`` library (escaping, attribute names).

Why every document ends in a human: a caller must never be dropped because our side failed. The
stream document puts an apology and a ``<Dial>`` *after* ``</Connect>``, which Twilio runs when our
WebSocket closes; so the pipeline ends calls normally through the REST API (hang up / redirect),
and only a crash or an unexpected close falls through to the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from twilio.twiml.voice_response import Gather, VoiceResponse

LANGUAGE = "pl-PL"
# Twilio's default <Say> voice ("man") has no Polish; an invalid voice/language pair fails the verb.
DEFAULT_VOICE = "Polly.Ewa"
# Characters XML 1.0 cannot carry at all (escaping does not help): one in a caller-supplied value such as a
# spoofed ``From`` made the whole document unparsable for Twilio, so not even the fallback ran.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """``value`` without the characters an XML document cannot contain."""
    return _NOT_XML.sub("", value)


def short_answer(vr: VoiceResponse, answer_url: str, hints: str) -> Gather:
    """A ``<Gather>`` for one key or a word or two (the callback offer's yes/no, the survey's 1-5), posted to
    ``answer_url``, then a ``<Redirect>`` there that silence reaches (no answer: the URL gets none). The caller
    says the question inside the returned Gather. One place for the keys, timeouts and speech settings, which
    the offer and the survey each wrote out."""
    gather = vr.gather(
        input="dtmf speech",
        language=LANGUAGE,
        num_digits=1,
        hints=hints,
        timeout=6,
        speech_timeout="auto",
        action=answer_url,
        method="POST",
    )
    vr.redirect(answer_url, method="POST")
    return gather


def stream_twiml(
    stream_url: str,
    parameters: Mapping[str, str],
    fallback_number: str,
    apology: str,
    *,
    voice: str = DEFAULT_VOICE,
) -> str:
    """``<Connect><Stream>`` with ``<Parameter>``s, then the fallback for an unexpected stream end."""
    vr = VoiceResponse()
    stream = vr.connect().stream(url=stream_url)
    for name, value in parameters.items():
        stream.parameter(name=xml_safe(name), value=xml_safe(value))
    _fallback(vr, fallback_number, apology, voice)
    return str(vr)


def fallback_twiml(fallback_number: str, apology: str, *, voice: str = DEFAULT_VOICE) -> str:
    """Apologise and dial the fallback number (hang up politely when none is configured)."""
    vr = VoiceResponse()
    _fallback(vr, fallback_number, apology, voice)
    return str(vr)


def dial_twiml(number: str, announcement: str | None = None, *, voice: str = DEFAULT_VOICE) -> str:
    """Optionally announce, then connect the caller to ``number`` (transfer to a human)."""
    if not number:
        raise ValueError("dial_twiml needs a number")
    vr = VoiceResponse()
    if announcement:
        vr.say(announcement, language=LANGUAGE, voice=voice)
    vr.dial(number)
    return str(vr)


def hangup_twiml(goodbye: str | None = None, *, voice: str = DEFAULT_VOICE) -> str:
    """Optionally say goodbye, then end the call."""
    vr = VoiceResponse()
    if goodbye:
        vr.say(goodbye, language=LANGUAGE, voice=voice)
    vr.hangup()
    return str(vr)


def _fallback(vr: VoiceResponse, fallback_number: str, apology: str, voice: str) -> None:
    vr.say(apology, language=LANGUAGE, voice=voice)
    if fallback_number:
        vr.dial(fallback_number)
    else:
        vr.hangup()
