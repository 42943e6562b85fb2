"""The words the page's scripts write (the outbox banner, reminders on this device, the
offline notice, copy and download buttons), in the page's language.

Scripts are static files and cannot translate, so the page hands them a table on
`<body data-words>`: each English text, with `{name}` where the script puts a value,
to the text in the page's language. An English page carries no table (the scripts
show their own English); counted texts have one entry for one and one for more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from flask_babel import gettext as _
from flask_babel import ngettext

from journal.core.translatable import N_, language


def _counted(one: str, many: str, words: Callable[[int], str]) -> dict[str, str]:
    """`one`/`many` are the script's keys ("{n} item was…"); `words(n)` is the
    ngettext of its msgids, which count with `%(count)s` so that the number can stay
    the placeholder "{n}"."""
    return {one: words(1), many: words(2)}


# What the scripts write as it is (no value in it): the key is the English.
PLAIN: Final = (
    N_("Journal entry"),
    N_("Check-in"),
    N_("Prompt answer"),
    N_("Questionnaire"),
    N_("Something you wrote"),
    N_("Waiting to be sent"),
    N_("Not sent"),
    N_("Sent"),
    N_("Show"),
    N_("Discard"),
    N_("Discarded."),
    N_("Write something before saving."),
    N_("Answer the questions not marked optional before saving."),
    N_("Saved on this device."),
    N_("This device cannot keep entries yet: log in once while online."),
    N_("This browser could not keep the entry. Copy your text somewhere safe."),
    N_("You were signed out, so anything still waiting was deleted from this device."),
    N_("Some text on this page is not saved. Log out anyway?"),
    N_(
        "This browser cannot receive reminders. On an iPhone, add Fresh Tracks to the "
        "Home Screen first."
    ),
    N_(
        "Notifications are blocked for this site. Allow them in the browser's site "
        "settings, then try again."
    ),
    N_("This device will receive reminders."),
    N_("Reminders could not be turned on for this device. Try again later."),
    N_("This device no longer receives reminders."),
    N_("Reminders could not be turned off. Try again later."),
    N_("To write while offline, log in once while you have a connection."),
    N_(
        "it can no longer be saved where it was written (its session was cancelled, "
        "or a newer answer was saved since)."
    ),
    N_("what it belongs to is no longer there."),
    N_("the server could not take it as it is."),
    N_("Already first."),
    N_("Already last."),
    N_("All items."),
    N_("Add another item"),
    N_("Copied. Paste it into your password manager."),
    N_("This browser did not allow copying. Select the key and copy it."),
    N_(
        "This could not be sent: you seem to be offline. Nothing on this screen is "
        "lost; try again when you are back online. Get help works offline."
    ),
)


def script_words() -> dict[str, str]:
    if language() == "en":
        return {}
    words = {english: _(english) for english in PLAIN}
    words.update(
        {
            "{kind} from {when}: {why} Show it to copy the text, then discard it.": _(
                "%(kind)s from %(when)s: %(why)s Show it to copy the text, then discard it.",
                kind="{kind}",
                when="{when}",
                why="{why}",
            ),
            "{kind}, written {when}": _("%(kind)s, written %(when)s", kind="{kind}", when="{when}"),
            "Mood {mood} of 5, anxiety {anxiety} of 5": _(
                "Mood %(mood)s of 5, anxiety %(anxiety)s of 5", mood="{mood}", anxiety="{anxiety}"
            ),
            "This device: {zone}": _("This device: %(zone)s", zone="{zone}"),
            "Use this device's zone: {zone}": _("Use this device's zone: %(zone)s", zone="{zone}"),
            "Downloaded as {file}.": _("Downloaded as %(file)s.", file="{file}"),
            "Moved to place {n} of {total}.": _(
                "Moved to place %(n)s of %(total)s.", n="{n}", total="{total}"
            ),
        }
    )
    words |= _counted(
        "{n} item is kept on this device, encrypted, and will be sent when you are online.",
        "{n} items are kept on this device, encrypted, and will be sent when you are online.",
        lambda n: ngettext(
            "%(count)s item is kept on this device, encrypted, and will be sent when you are "
            "online.",
            "%(count)s items are kept on this device, encrypted, and will be sent when you "
            "are online.",
            n,
            count="{n}",
        ),
    )
    words |= _counted(
        "{n} item was sent and saved.",
        "{n} items were sent and saved.",
        lambda n: ngettext(
            "%(count)s item was sent and saved.",
            "%(count)s items were sent and saved.",
            n,
            count="{n}",
        ),
    )
    words |= _counted(
        "{n} item has not been sent yet and will be deleted from this device. Log out anyway?",
        "{n} items have not been sent yet and will be deleted from this device. Log out anyway?",
        lambda n: ngettext(
            "%(count)s item has not been sent yet and will be deleted from this device. Log "
            "out anyway?",
            "%(count)s items have not been sent yet and will be deleted from this device. Log "
            "out anyway?",
            n,
            count="{n}",
        ),
    )
    words |= _counted(
        "{n} item for {route}.",
        "{n} items for {route}.",
        lambda n: ngettext(
            "%(count)s item for %(route)s.",
            "%(count)s items for %(route)s.",
            n,
            count="{n}",
            route="{route}",
        ),
    )
    return {key: str(value) for key, value in words.items()}
