"""TwiML documents of the warm transfer (pure: strings in, XML out; built by the ``twilio`` library).

Why ``<Play>`` of our own audio and ``<Say>`` only as a fallback: callers and agents must hear the
same Polish voice as the bot; Twilio's Polish ``<Say>`` is used only when our synthesizer failed,
so a step never goes silent. Every ``action``/``Redirect`` is a POST so each step arrives signed
with its parameters, and the caller's conference leg ends in ``<Hangup/>`` (or, with the survey on,
a ``<Redirect>`` to it) so nothing else plays on after the agent hangs up.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from telephony.twilio.twiml import DEFAULT_VOICE, LANGUAGE, short_answer

CALLER_LABEL = "caller"
AGENT_LABEL = "agent"


@dataclass(frozen=True)
class Prompt:
    """Something to say: our audio at ``url``, or ``text`` through ``<Say>`` when there is no audio."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class TransferUrls:
    """The public URLs Twilio calls back for one transfer (paths served by ``transfer_routes``)."""

    public_url: str

    def _base(self, tid: str) -> str:
        return f"{self.public_url.rstrip('/')}/twilio/transfer/{tid}"

    def hold(self, tid: str) -> str:
        return self._base(tid) + "/hold"

    def conference(self, tid: str) -> str:
        return self._base(tid) + "/conference"

    def agent(self, tid: str, agent_id: str, plays: int = 0) -> str:
        """The agent's leg; ``plays``: how many times the briefing was played before on it."""
        return self._base(tid) + f"/agent/{agent_id}" + (f"?plays={plays}" if plays else "")

    def agent_answer(self, tid: str, agent_id: str, plays: int = 0) -> str:
        return self._base(tid) + f"/agent/{agent_id}/answer" + (f"?plays={plays}" if plays else "")

    def agent_status(self, tid: str, agent_id: str) -> str:
        return self._base(tid) + f"/agent/{agent_id}/status"

    def callback_offer(self, tid: str, queue: str = "") -> str:
        """``queue``: the caller's, so that the offer reads its hours with Redis down (the URL is signed)."""
        return self._base(tid) + "/callback-offer" + _queue_query(queue)

    def after_room(self, tid: str) -> str:
        return self._base(tid) + "/after-room"

    def callback_answer(self, tid: str, queue: str = "") -> str:
        return self._base(tid) + "/callback-answer" + _queue_query(queue)

    def voicemail(self, tid: str, queue: str = "") -> str:
        """``queue``: the caller's, as the offer's: a message left while Redis is down, and Redis back empty,
        makes its callback in that queue (a withheld caller's callback is made by the message alone)."""
        return self._base(tid) + "/voicemail" + _queue_query(queue)

    def voicemail_status(self, tid: str, queue: str = "") -> str:
        query = {"event": "recording", **({"queue": queue} if queue else {})}
        return self._base(tid) + "/voicemail?" + urlencode(query)


def _queue_query(queue: str) -> str:
    return f"?{urlencode({'queue': queue})}" if queue else ""


def _speak(target: VoiceResponse | Gather, prompt: Prompt, voice: str) -> None:
    if prompt.url:
        target.play(prompt.url)
    elif prompt.text:
        target.say(prompt.text, language=LANGUAGE, voice=voice)


def caller_conference_twiml(room: str, hold_url: str, conference_callback_url: str, after_url: str = "") -> str:
    """The caller joins the (not yet started) room and hears ``hold_url`` until an agent joins.

    The caller is the first participant, so the room's status callback is theirs (Twilio keeps the
    first participant's); ``endConferenceOnExit`` drops the agent when the caller hangs up. With
    ``after_url`` the star key takes the caller out of the room to that step (``telephony/transfer/escape.py``:
    the way out when Twilio REST cannot move them); the same step follows when the agent hangs up (the
    satisfaction survey, when configured).
    """
    vr = VoiceResponse()
    dial = vr.dial(hangup_on_star=True, action=after_url, method="POST") if after_url else vr.dial()
    dial.conference(
        room,
        wait_url=hold_url,
        wait_method="POST",
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        beep=False,
        status_callback=conference_callback_url,
        status_callback_method="POST",
        status_callback_event="start end join leave",
        participant_label=CALLER_LABEL,
    )
    if after_url:
        vr.redirect(after_url, method="POST")
    else:
        vr.hangup()
    return str(vr)


def hold_twiml(
    announcement: Prompt, music_url: str, music_loops: int, hold_url: str, *, voice: str = DEFAULT_VOICE
) -> str:
    """Announcement (position and wait), hold music, then back to ``hold_url`` for fresh figures."""
    vr = VoiceResponse()
    _speak(vr, announcement, voice)
    vr.play(music_url, loop=max(1, music_loops))
    vr.redirect(hold_url, method="POST")
    return str(vr)


def agent_briefing_twiml(briefing: Prompt, answer_url: str, next_url: str | None, *, voice: str = DEFAULT_VOICE) -> str:
    """The briefing inside a one-digit ``<Gather>``; then replay once (``next_url``) or hang up."""
    vr = VoiceResponse()
    gather = vr.gather(num_digits=1, timeout=8, action=answer_url, method="POST", action_on_empty_result=False)
    _speak(gather, briefing, voice)
    if next_url:
        vr.redirect(next_url, method="POST")
    else:
        vr.hangup()
    return str(vr)


def agent_join_twiml(room: str, intro: Prompt | None = None, *, voice: str = DEFAULT_VOICE) -> str:
    """The agent accepted: join and start the room (the caller is bridged); the agent's exit ends it."""
    vr = VoiceResponse()
    if intro is not None:
        _speak(vr, intro, voice)
    vr.dial().conference(
        room,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
        participant_label=AGENT_LABEL,
    )
    vr.hangup()
    return str(vr)


def callback_offer_twiml(
    offer: Prompt, answer_url: str, *, voice: str = DEFAULT_VOICE, before: Prompt | None = None
) -> str:
    """ "Press 1 or say yes" for a callback; no answer at all goes to ``answer_url`` empty (= no). ``before``:
    said in full first, outside the Gather (an emergency's KB answer: a key pressed meanwhile is no answer)."""
    vr = VoiceResponse()
    if before is not None:
        _speak(vr, before, voice)
    _speak(short_answer(vr, answer_url, "tak, nie"), offer, voice)
    return str(vr)


def voicemail_twiml(
    prompt: Prompt,
    action_url: str,
    recording_status_url: str,
    *,
    voice: str = DEFAULT_VOICE,
    before: Prompt | None = None,
) -> str:
    """Invite a message and record it (at most 2 minutes); the recording is attached asynchronously. ``before``:
    said first (an emergency's KB answer, for a withheld caller who goes here without the callback offer)."""
    vr = VoiceResponse()
    if before is not None:
        _speak(vr, before, voice)
    _speak(vr, prompt, voice)
    vr.record(
        max_length=120,
        play_beep=True,
        timeout=5,
        action=action_url,
        method="POST",
        recording_status_callback=recording_status_url,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    vr.hangup()
    return str(vr)


def say_and_hang_up_twiml(prompt: Prompt, *, voice: str = DEFAULT_VOICE) -> str:
    vr = VoiceResponse()
    _speak(vr, prompt, voice)
    vr.hangup()
    return str(vr)


def hang_up_twiml() -> str:
    vr = VoiceResponse()
    vr.hangup()
    return str(vr)


def redirect_twiml(url: str) -> str:
    """On to another step of ours (the satisfaction survey after the agent's call)."""
    vr = VoiceResponse()
    vr.redirect(url, method="POST")
    return str(vr)


def empty_twiml() -> str:
    """An acknowledgement that changes nothing on the call (repeated or stale callbacks)."""
    return str(VoiceResponse())
