"""A misspelled INFOLINIA_ variable is named, with the setting it probably meant (never silently ignored)."""

from __future__ import annotations

from telephony.app.check import check_variables
from telephony.settings import unknown_variables


def test_unknown_variables_name_the_setting_they_probably_meant() -> None:
    env = {
        "INFOLINIA_BRANDNAME": "x",
        "INFOLINIA_ASR_BEAMSIZE": "1",
        "INFOLINIA_BRAND_NAME": "Zielony Ogród",  # a real setting
        "INFOLINIA_CONFIG_DIR": "./config",  # the compose file's, not a setting
        "INFOLINIA_ZZZ": "1",
        "PATH": "/usr/bin",
    }
    assert unknown_variables(env) == [
        "INFOLINIA_ASR_BEAMSIZE (did you mean INFOLINIA_ASR_BEAM_SIZE?)",
        "INFOLINIA_BRANDNAME (did you mean INFOLINIA_BRAND_NAME?)",
        "INFOLINIA_ZZZ",
    ]
    (finding,) = check_variables(env)
    assert finding.level == "warn" and "INFOLINIA_BRANDNAME (did you mean INFOLINIA_BRAND_NAME?)" in finding.detail
    assert check_variables({"INFOLINIA_BRAND_NAME": "x"}) == []
