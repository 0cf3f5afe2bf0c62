"""A scam in progress told by the one it is being played on, and someone armed at the door: urgent cues of
``dialog.escalation`` whose words are all everyday ones.

Why apart: "dzwoni ktoś z banku i chce kod blik", "wnuczek dzwoni i chce pieniędzy na kaucję", "policjant
dzwoni, że mam przelać oszczędności na bezpieczne konto" name no fraud; what makes them one is the scheme
itself: someone calls or writes, says who they are (a bank, the police, the tax office or ZUS, a grandchild, a
child on a new number, a relative on a messenger) and wants money, a code or an app installed. Any two of the
three are everyday ("czy mogę zapłacić blikiem", "dzwonił kurier w sprawie paczki", "wnuczek chce kupić
prezent"), so all three must be said. A knife or an axe
is goods in a shop ("nóż do chleba przyszedł tępy"); held by someone at the door it is a threat.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog.engine_cues import Token, cues, term, term_positions

_CONTACT = (
    "dzwoni|dzwonil|zadzwonil|wydzwania|=kaze|kazal|kazali|namawia|nakazal|=pisze|=pisal|napisal|esemes|=sms"
    "|=smsa|=przez =telefon|telefonicz|=w =sluchawce"
    # who says who they are ("ktoś podaje się za syna", "mówi, że jest z urzędu skarbowego"): a call or a
    # message whatever its verb; "udaje" only before whom ("nie udaje mi się zapłacić" is no impostor)
    "|podaje =sie|podaja =sie|podawal =sie|podawala =sie|przedstawil =sie|przedstawila =sie|przedstawia =sie"
    "|=mowi =ze =jest|=mowia =ze =sa|twierdzi|=udaje =moj|=udaje =kogos|udawal|udawala"
)
# Who a scammer says they are; a son or a daughter only writing from a number the caller does not know.
_POSING_AS = (
    "=bank|=banku|bankow|policj|policjant|prokurat|funkcjonariusz|=cba|=abw|wnucz|=wnuk|=wnuka|=wnukiem"
    "|nowego =numeru|=nowy =numer|obcego =numeru|nieznanego =numeru|nieznany =numer|zmienil =numer|zmienila =numer"
)
# The tax office and the social insurer do write and call about money owed or paid back ("ZUS pisze, że muszę
# zwrócić nadpłatę", "skarbówka dzwoniła, że zwrot przyjdzie przelewem"), so money or a transfer alone is no sign;
# they never want a BLIK code, a card, a password, an app, a link, cash or a "technical" account, nor a payment
# today under a threat told on the phone.
_OFFICE = "skarbow|=zus|=zusu|=zusie|=zusem"
_OFFICE_DEMAND = (
    "=blik|=blika|=blikiem|=kod|=kodu|=pin|=dane =karty|=danych =karty|=numer =karty|=numeru =karty|=haslo|=hasla"
    "|zainstal|aplikacj|=link|=linku|=linka|klikn|techniczn|bezpieczne =konto|bezpiecznego =konta|depozyt|gotowk"
    "|kaucj|kryptowalut|wplatomat"
)
_CALLS = "dzwoni|dzwonil|zadzwonil|wydzwania|=przez =telefon|telefonicz|=w =sluchawce|esemes|=sms|=smsa"
_THREAT = "=dzis|=dzisiaj|natychmiast|=od =razu|=bo =inaczej|=jak =nie|=jesli =nie|=jezeli =nie"
_PAY = "przelac|przelej|przelal|przelew|zaplac|wplac|pieniedz|pieniadz"
_DEMAND = (
    "=blik|=blika|=blikiem|kaucj|bezpieczne =konto|bezpiecznego =konta|bezpieczny =rachunek|oszczednosc"
    "|pieniedz|pieniadz|przelac|przelew|wyplac|gotowk|zainstal|aplikacj|=pin|=kod|=kodu|=dane =karty|=danych =karty"
    "|=haslo|=hasla|=kurier|wplatomat"
)
# Wanted of the caller, not told to them ("dostałem sms z banku o płatności blikiem" is a confirmation).
_WANTS = (
    "=chce|=chca|chcial|=prosi|prosil|=kaze|=kaza|kazal|kazali|potrzebuj|=zada|=zadaja|zadal|=mam|musze|=trzeba|=podac"
    "|podanie|=przelac|wyplac|zainstal|=oddac|przekaz|pilnie|namawia"
)
# Someone else's hands on the caller's computer ("pracownik banku kazał zainstalować AnyDesk", "łączy się z moim
# komputerem", "rusza myszką"): what a fake bank technician wants, like a code or a transfer.
_REMOTE = (
    "anydesk|=any =desk|teamview|=team =viewer|quicksupport|=quick =support|rustdesk|zdaln|=pulpit|=pulpitu"
    "|steruje|steruja|sterowac|rusza =mysz|rusza =myszk|kursor|=z =moim =komputerem|=moj =komputer|=moim =ekranie"
)
_TECH_POSER = "=bank|=banku|bankow|techniczn|informatyk|microsoft|=windows|policj|serwisant"
# Any office, a post office or a courier: they do send letters, bills and fees ("urząd przysłał wezwanie do zapłaty",
# "kurier prosi o kod odbioru", cash on delivery), but no office wants a BLIK code, cash or a password now, and
# none of them wants a BLIK code or a PIN told.
_OFFICES = _OFFICE + "|=urzad|=urzedu|=urzedzie|=urzedem|urzedni|magistrat|gmin|starostw"
_POST = "=poczta|=poczty|=poczte|=poczcie|pocztow|listonosz|kurier|inpost|paczkomat|=dpd|=dhl"
_NEVER_ASKED = "=blik|=blika|=blikiem|gotowk|=pin|=haslo|=hasla|kryptowalut|wplatomat"
_SECRET = "=blik|=blika|=blikiem|=pin|=haslo|=hasla"
# Told, or wanted by someone who called or wrote ("pan z poczty dzwoni i chce PIN do karty").
_CODE = "=kod|=kodu|=kodem|=podac|=podal|=podala|podanie|=podaj|=chce|=chca|=prosi|=kaze|=zada|potrzebuj"
# A clerk at the door wanting money ("przyszedł pan z ZUS i chce gotówkę"), not a letter that came nor the caller
# at an office's counter ("przyszłam do urzędu i pani chce gotówkę za wniosek").
_VISIT = "=przyszedl|=przyszla|=przyszli|=w =drzwiach|=pod =drzwiami|=puka|zapukal"
_CLERK = "=pan|=pani|urzedni|pracowni|kontroler|inspektor|=ktos|=facet|mezczyzn|kobiet|=gosc"
_CASH = "gotowk|pieniedz|pieniadz|=blik|=blika|=blikiem"
# A question whether the bank or the police does call so ("czy bank dzwoni po kod blik?"): a wary caller; how
# or whether one may pay so ("czy mogę zapłacić blikiem opłatę skarbową od razu"): a payer's question.
_WARY = "=czy =bank|=czy =policja|=czy =naprawde|=czy =wy"
_PAYERS_QUESTION = "|=czy =moge|=czy =mozna|=jak =moge|=jak =mam|=czy =mam"  # not "jak nie zapłacę"
# A demand denied ("nie prosiła o żaden kod BLIK", "nie chciał żadnych pieniędzy") or a way to pay offered ("kurier
# dzwonił, że mogę zapłacić kodem BLIK przy odbiorze"): nobody wants the code or the cash.
# Only a denial of what is wanted: "nie chciał wyjść i żąda gotówki" still demands.
_DENIED_VERB = ("chcial", "chciala", "chcieli", "prosil", "prosila", "prosili", "kazal", "kazala", "zadal", "zadala")
_DENIED_WHAT = ("zadn", "=zaden", "=o", "=ode", "pieniedz", "pieniadz", "gotowk", "=blik", "=blika", "=kod", "=pin")
_NOT_DEMANDED = "".join(f"|=nie ={v} {w}" for v in _DENIED_VERB for w in _DENIED_WHAT) + (
    "|=moge =zaplacic|=mozna =zaplacic|=moge =placic|=mozna =placic"
)
# The last: "pani z poczty dzwoni i chce kod blik", not "kurier dzwonił, czy mogę podać kod blik przy odbiorze".
_SCAM = cues(
    (_CONTACT, _POSING_AS, _DEMAND, _WANTS),
    (_CONTACT, _TECH_POSER, _REMOTE, _WANTS),  # "pracownik banku kazał zainstalować AnyDesk"
    (_CONTACT, _OFFICE, _OFFICE_DEMAND, _WANTS),
    (_CALLS, _OFFICE, _THREAT, _PAY),
    unless=_WARY,
) + cues((_CONTACT, _OFFICES + "|" + _POST, _SECRET, _CODE), unless=_WARY + _PAYERS_QUESTION + _NOT_DEMANDED)
# A demand that came in a letter or a message, not the caller at an office's counter ("w urzędzie trzeba od razu
# zapłacić gotówką").
_LETTER = _CONTACT + "|wezwani|=pismo|=pisma|=pismie|=list|=listu|=listem|=mail|=maila|=mailem|wiadomos|powiadom"
_AT_THE_COUNTER = "=do =urzedu|=na =poczte|=na =poczcie|okienk|=w =oddziale"
# The caller's own payment that is not booked yet ("zapłaciłam BLIKIEM, a status się nie zmienił"): a letter paid.
_PAID = "|zaksiegow|=nie =doszla|=nie =doszlo|=nie =doszedl|=status =sie =nie|=status =nie"
# A clerk who brings money ("przyszła pani z poczty z emeryturą z ZUS, zanim da gotówkę"): no demand.
_BRINGS = "|przynios|=przynosi|doreczy|doreczyc|listonosz|=z =poczty|=da =gotowk|=da =pieniadz|=da =pieniedz"
# Told without a call: a demand in a letter or at the door ("dostałem wezwanie z urzędu, że mam
# zapłacić blikiem natychmiast"; "przyszedł pan z ZUS i chce gotówkę").
# A demand is also told by its threat alone ("jak nie zapłacę blikiem dzisiaj, to komornik").
_DEMANDED = cues(
    (_LETTER, _OFFICES, _NEVER_ASKED, _THREAT, _WANTS + "|=jak =nie|=bo =inaczej|=jesli =nie|=jezeli =nie"),
    unless=_WARY + _PAYERS_QUESTION + _NOT_DEMANDED + _PAID + "|" + _AT_THE_COUNTER + "|=w =urzedzie",
) + cues(
    (_VISIT, _CLERK, _OFFICES, _CASH, _WANTS),  # "w urzędzie" may be the clerk's pretext, at the door
    unless=_WARY + _PAYERS_QUESTION + _NOT_DEMANDED + _BRINGS + "|" + _AT_THE_COUNTER,
)
# A "bank" on the caller's own computer now ("pani z banku zdalnie łączy się z moim komputerem"), not "jak
# połączyć komputer z bankowością"; a technician there only near the caller's money ("technik łączy się z moim
# komputerem i przelewa"): the firm's IT who set up a printer, or the provider's support, are no impostors.
_HANDS_ON = "laczy =sie|polaczyl|polaczyla|steruj|rusza|klika|przejal|przejela|przejeli"
_MY_COMPUTER = (
    "=moim =komputer|=moj =komputer|=mojego =komputer|=mi =komputer|=moim =laptop|=moj =laptop|=moim =ekranie"
    "|=moja =mysz|=mi =mysz|kursor"
)
_MONEY = "=konto|=konta|=koncie|przelew|przelac|przelal|pieniedz|pieniadz|=blik|=blika|=karty|oszczednosc|kryptowalut"
_CONTROLLED = cues(
    ("=bank|=banku|bankow|policj|microsoft|=windows", _HANDS_ON, _MY_COMPUTER),
    ("techniczn|informatyk|serwisant", _HANDS_ON, _MY_COMPUTER, _MONEY),
)


# A relative or a friend writing on a messenger and wanting a BLIK code or money ("córka pisze na Messengerze, że
# potrzebuje kod BLIK"): a hijacked account's scheme; the same relative writing that a parcel came, or asking
# the caller to order something, wants no money, and a relative who phones is left to ``_SCAM``'s new number.
_CHANNEL = (
    "messeng|whatsap|watsap|wacap|fejsbu|facebook|=fb|instagram|komunikator|=czat|=czacie|wiadomos|=sms|=smsa"
    "|=smsem|esemes"
)
_KIN = (
    "corka|corki|corke|coreczk|=syn|=syna|=synem|synek|synka|=maz|=meza|=mezem|=zona|=zony|siostr|=brat|=brata"
    "|=mama|=mamy|=mame|=tata|=taty|wnucz|=wnuk|=wnuka|kolez|koleg|znajom|przyjaciel|przyjaciol|ciocia|cioci"
    "|wujek|wujka|kuzyn|bratan|siostrzen|tesc|szwagr|=szwagier|bratow|=dziecko|=dziecka"
)
_KIN_DEMAND = "=blik|=blika|=blikiem|=kod|=kodu|pieniedz|pieniadz|przelew|przelac|zlotych|=zl|=tysiac|=kase|pozycz"
# Wanted by the relative, not by the caller ("chcę zamówić", "mam wiadomość od córki", "jak wysłać synowi kod"):
# a message about a parcel's code or a transfer that came asks nothing of the caller.
_KIN_WANTS = (
    "potrzebuj|=prosi|prosil|=zebym|=zebys|wyslij|przeslij|przelej|=pilnie|=pilne|=pilnych|=pilnego|=kaze|kazal"
    "|=zada|zadal|=blaga|blagal"
)
_KIN_ONLINE = cues((_CHANNEL, _KIN, _KIN_DEMAND, _KIN_WANTS), unless="=czy =naprawde|=jak =rozpozn|=jak =sie =chronic")
_WEAPON = (
    "=noz|=nozem|=noza|=nozami|siekier|maczet|=bron|=bronia|pistolet|=pistoletem|=spluwa|=spluwe|=kij|=kijem"
    "|=palka|=palke|=mlotek|=mlotkiem"
)
# Someone armed at the door or a weapon used against someone ("mąż kroi chleb nożem w domu" is neither),
# not goods said to arrive.
_ARMED = cues(
    (
        _WEAPON,
        "=drzwi|drzwiami|=pod =oknem|=pod =oknami|dobija|wywaz|=wlamuj|=grozi|=goni|atakuj|=wejsc|wchodzi|wtargn"
        "|krzycz|wrzeszcz|=z =nozem|=z =siekiera|=z =maczeta|=z =bronia|=z =pistoletem"
        "|napad|=dzga|dzgnal|=macha|wymachuj|=rzuca =sie",
        "=ktos|=facet|mezczyzn|=czlowiek|=pan|sasiad|=obcy|pijan|wlamywacz|bandyt|napastnik|=typ|=gosc|=on|=maz"
        "|=syn|=partner|kobiet|chlopak|=ktos",
    ),
    unless="=kupic|zamow|przyszed|przyszl|=tepy|=tepa|=ostry|=ostre|=zestaw|=zestawie|reklamac|paczk|przesylk"
    "|=gra|=graja|=gral|=grali|pilk|hokej|golf",  # a stick in a game under the window
)


_CONTACT_TERM = term(_CONTACT)
# The caller writing to us ("piszę do was", folded to "pisze" like "he writes"): no contact by someone else.
_CALLER_WRITES = term("=pisze =do =was|=pisze =do =wasz|=pisze =do =panstwa|=pisze =w =sprawie|=pisze =z =pytaniem")


def scam_in_progress(toks: Sequence[Token]) -> bool:
    """Someone posing as a bank, the police or family calls or writes and wants money or a code (docstring)."""
    if any(c.matches(toks) for c in (*_KIN_ONLINE, *_DEMANDED, *_CONTROLLED)):
        return True
    if not any(c.matches(toks) for c in _SCAM):
        return False
    return not set(term_positions(_CONTACT_TERM, toks)) <= set(term_positions(_CALLER_WRITES, toks))


# Someone using the caller's card or account now ("ktoś płaci moją kartą w internecie"), not "czy ktoś inny może
# płacić moją kartą" nor "czy ktoś używa moich danych do reklam" (a question whether anyone does).
_USED_NOW = cues(
    (
        "=ktos|=obcy|=nieznany",
        "=moja =karta|=moja =karte|=mojej =karty|=moje =konto|=mojego =konta|=moim =koncie|=moje =dane"
        "|=moich =danych|=moimi =danymi",
        "=placi|=placa|kupuje|kupuja|zamawia|=uzywa|=uzywaja|wyplaca|=loguje|=loguja|=zaklada|=bierze",
    ),
    unless="=czy =ktos",
)


def card_used_now(toks: Sequence[Token]) -> bool:
    """Someone pays, buys or logs in with the caller's card or account now: a fraud going on, which no how-to
    answer of the KB stands in for ("ktoś loguje się na moje konto, jak go zablokować?" is urgent first)."""
    return any(c.matches(toks) for c in _USED_NOW)


def armed_at_hand(toks: Sequence[Token]) -> bool:
    """Someone with a knife, an axe or a gun at the door, in the home, or threatening with it."""
    return any(c.matches(toks) for c in _ARMED)
