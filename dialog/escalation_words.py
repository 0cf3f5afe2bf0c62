"""Who did it, in the escalation cues' words: the company ("pobraliście", "oszukaliście"), someone else, or an
impostor posing as someone ("podaje się za konsultanta").

Why apart from ``dialog.escalation``: a fraud and a grievance use the same words ("oszustwo", "pobrali");
what separates them is who the caller says did it, and these term specs are shared by the urgent and the
complaint cues there.
"""

from __future__ import annotations

UNASKED = "bez zgod|bez wiedz|nie zlecal|nie autoryzow|nie robil|nie zamawial|nie zamowil|nie wlaczal|nie aktywowal"
# A charge in the second person plural: the caller says the company made it ("pobraliście", "naliczyliście").
CHARGEDBY_YOU = "pobraliscie|naliczyliscie|obciazyliscie|policzyliscie|doliczyliscie|sciagneliscie|zabraliscie"
# The caller accuses the company itself ("oszukaliście mnie", "to oszustwo, pobraliście mi opłatę"): a dispute
# for the complaints queue, not a fraud to report to the police (a walkthrough heard "call 112" for it).
CHEATEDBY_YOU = "oszukaliscie|oszukujecie|wyludziliscie|wyludzacie|naciagneliscie|naciagacie|okradacie"
BY_YOU = f"{CHARGEDBY_YOU}|{CHEATEDBY_YOU}"
# Whom an impostor poses as: a person, an office or a firm (not "za pomocą", "za minutę", "za pośrednictwem").
POSING_AS = (
    "konsultant|pracownik|pracownic|policj|funkcjonariusz|prokurat|urzednik|urzedu|=bank|banku|kurier|wnuczk"
    "|=wnuk|=syna|corke|=corka|lekarz|operator|firm|dostawc|doradc|technik|inkasent|przedstawiciel|=sieci"
    "|infolini|=obslug|=dzial|=ksiedz|administrac|spoldziel|gazowni|elektrowni|wodociag|zus|=us|skarbow"
)
