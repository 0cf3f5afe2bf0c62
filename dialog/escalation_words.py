"""Who did it, in the escalation cues' words: the company ("pobraliście", "oszukaliście"), someone else, or an
impostor posing as someone ("podaje się za konsultanta").

Why apart from ``dialog.escalation``: a fraud and a grievance use the same words ("oszustwo", "pobrali");
what separates them is who the caller says did it, and these term specs are shared by the urgent and the
complaint cues there.
"""

from __future__ import annotations

UNASKED = "bez zgod|bez wiedz|nie zlecal|nie autoryzow|nie robil|nie zamawial|nie zamowil|nie wlaczal|nie aktywowal"
# A charge in the second person plural: the caller says the company made it ("pobraliście", "naliczyliście").
CHARGED_BY_YOU = "pobraliscie|naliczyliscie|obciazyliscie|policzyliscie|doliczyliscie|sciagneliscie|zabraliscie"
# The caller accuses the company itself ("oszukaliście mnie", "to oszustwo, pobraliście mi opłatę"): a dispute
# for the complaints queue, not a fraud to report to the police (a walkthrough heard "call 112" for it).
CHEATED_BY_YOU = (
    "oszukaliscie|oszukujecie|wyludziliscie|wyludzacie|naciagneliscie|naciagacie|okradacie"
    "|ukradliscie|ukradlyscie|okradliscie|okradlyscie|wykradliscie"
)
# The same theft verbs said to the company, excluded from the theft cue's stems ("ukradl!ukradliscie…").
NOT_BY_YOU = "!ukradliscie!ukradlyscie!okradliscie!okradlyscie!wykradliscie"
BY_YOU = f"{CHARGED_BY_YOU}|{CHEATED_BY_YOU}"
OVERCHARGED = "=dwa =razy|dwukrotn|podwojn|=za =duzo|za wysok|zawyz|niesluszn|bezpodstawn|bledn|=blad"
# "Podaje się za …" is an impostor, unless what follows is a manner or a unit ("lek podaje się za pomocą
# zastrzyku", "cenę podaje się za minutę"): a missed scam costs more than a false alarm, so the exceptions
# are listed, not the roles (a review missed "podaje się za komornika" with a list of roles).
POSING = "podaje =sie =za|podaja =sie =za|podawal =sie =za|podal =sie =za|podala =sie =za|podali =sie =za"
NOT_POSING = (
    "=za =pomoca|=za =posrednictwem|=za =minute|=za =godzine|=za =dobe|=za =sztuke|=za =darmo|=za =oplata"
    "|=za =miesiac|=za =rok|=za =dzien|=za =kilogram|=za =osobe|=za =noc|=za =opakowanie"
)
# Acute harm happening now; not a past episode, a visit to book or a figure of speech ("prawie zemdlałam, jak
# zobaczyłam rachunek", "syn miał wczoraj atak astmy, chcę umówić wizytę").
ACUTE = (
    "stracil przytomn|stracila przytomn|=zemdlal|=zemdlala|omdlal|=osunal|=osunela|drgawk|dusznosc"
    "|=nie =moze =oddychac|=nie =moge =oddychac|=atak =astmy|=ataku =astmy|=sinieje|=sine =usta|padaczk|epilep"
    "|dlawi|zachlysn|=zlapac =tchu|=zlapac =oddechu|=nie =lapie =powietrza|=zaslabl|=zaslabla|=zaslabli"
    "|=przestal =oddychac|=przestala =oddychac|=przestalo =oddychac|=przestaje =oddychac"
)
# Collapsed or stopped breathing, said in a question the KB could answer ("dziecko przestało oddychać, co robić?"):
# an emergency however it is asked (``dialog.escalation_kinds.danger_to_life``).
COLLAPSED = (
    "=zemdlal|=zemdlala|=zaslabl|=zaslabla|stracil przytomn|stracila przytomn|=przestal =oddychac"
    "|=przestala =oddychac|=przestalo =oddychac|=przestaje =oddychac"
)
# Only figures of speech: "mama zemdlała, wczoraj też" is an emergency now, and a visit to book after last
# week's attack reaching the urgent queue costs an agent's minute, a missed faint far more (a review).
NOT_NOW = "=prawie|myslal|myslalam|myslalem"
PARALYSED = ("paraliz|sparalizowan", "twarz|=reka|=reki|=reke|=noga|=nogi|=noge|=cialo|=ciala|polow")
CHOKING = "=dusi =sie|=sie =dusi|=dusze =sie"
COOKING = "mies|garn|gulasz|multicook|piekarnik|potraw|=sos|warzyw|przepis|=pokrywk"
# Someone who does not respond: a person or a body said beside it, never a device, a case or a mailbox
# ("sąsiad leży na klatce i nie odpowiada" went to the complaints queue; "telefon nie odpowiada" must stay there).
NOT_RESPONDING = (
    "=nie =reaguje|=sie =nie =rusza|=nie =rusza =sie|=nie =otwiera =oczu|=nie =daje =znaku =zycia"
    "|=nie =budzi =sie|=sie =nie =budzi|=nie =moge =dobudzic|=nie =mozna =dobudzic"
    "|=nie =moge =obudzic|=nie =mozna =obudzic|=nie =daje =sie =dobudzic|=nie =daje =sie =obudzic"
    "|=nie =da =sie =dobudzic|=nie =da =sie =obudzic"
)
# Silent: a person only in a scene of a body ("leży i nie odpowiada"); alone it is a mailbox, a phone or a grudge
# ("syn nie odpowiada na moje wiadomości", "córka nie odzywa się do mnie od tygodnia").
SILENT = "=nie =odpowiada|=nie =odpowiadaja|=nie =odzywa =sie|=sie =nie =odzywa|=bez =ruchu"
# Down and not getting up: "mama się przewróciła i nie wstaje".
FALLEN = ("=nie =wstaje|=nie =moze =wstac", "upadl|upadla|przewrocil|przewrocila|podlog|podlodz|=ziemi|=lezy")
BODY_SCENE = (
    "=lezy|upadl|upadla|przewrocil|przewrocila|podlog|podlodz|=ziemi|=ziemie|oczu|=oddycha|oddech|powietrz|przytomn"
    "|zemdl|wolanie|wolania|=zycia|=nie =wstaje|zaslabl|osunal|osunel|=bez =ruchu|dobudz"
)
PERSONS = (
    "=mama|=tata|dzieck|=syn|=corka|=maz|=zona|czlowiek|babci|dziad|pacjent|=brat|=siostra|kolega|kolezank"
    "|mezczyzn|kobiet|=ojciec|=matka|=niemowle|=noworodek|sasiad|=ktos|synek|synka|coreczk|wnuk|wnucz"
    "|jakis =pan|jakas =pani|starszy =pan|starsza =pani|=mame|=mamy|=mamie|=tate|=taty|=tacie|=syna|=synem|=corke"
    "|=corki|=meza|=mezem|=zone|=zony|=brata|=siostre|sasiat"  # forms spelt without diacritics, "sasiatka" (ASR)
)
THINGS = (
    "telefon|tablet|pilot|dekoder|ekran|aplikac|sklep|urzad|kurier|=sprawa|sprawy|mail|wiadomos|komputer|laptop"
    "|router|telewizor|drukark|program|system|stron|=konto|konta|przycisk|klawiatur|modem|sprzet|urzadzen"
    "|licznik|winda|brama|zamek|kolejk|paczk|przesylk|zamowien|serwer|internet|=siec|sieci|portal|platform|infolini"
    "|centrala|=czat|chat|=bot|skrzynk|formularz|wniosek|wniosk|podanie|podania"
    # a review: "drzewo leży na ulicy i gmina nie odpowiada", "klimatyzator nie odpowiada i brak powietrza"
    "|reklamac|faktur|drzew|=gmina|gminy|klimatyz|towar|zgloszen|dokument|ofert|skarg|administrac|spoldzielni"
)
VEHICLE = "samochod|=auto|=aut|kierowc|rower|pasach|=pasy|ulic|jezdni|tramwaj|autobus|motocykl|skuter|hulajnog|przejsci"
