"""A small world to attack: Ada (a patient with records of every kind), Mallory (a
patient) and Dr. Eve (a therapist), each logged in from their own browser.

`RECORD_ID_VARIABLES` says, for each URL variable that names a record, how to find
Ada's record of that kind. The route-enumerating tests read the app's url_map, so a
new route is attacked automatically; one that takes a new kind of id fails until its
variable is added here (which is the point).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from journal.care import prompt_adaptation, shareable
from journal.core.extensions import db
from journal.models.adaptations import Adaptation
from journal.models.sessions import AuthSession
from journal.models.sharing import CareInvitation, Share
from journal.models.users import Role
from tests.factories import login, make_user, write_entry
from tests.pages import csrf_token
from tests.web.helpers import HTMX, user_id

ADA, MALLORY, EVE = "ada@example.com", "mallory@example.com", "dr.eve@example.com"
TOM = "dr.tom@example.com"  # Ada's own therapist
ADA_TITLE = "Ada's own title"
ADA_BODY = "Only Ada may ever read this line."
ADA_DRAFT = "Ada's half-written draft."
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class World:
    app: Flask
    ada: FlaskClient
    mallory: FlaskClient
    eve: FlaskClient
    tom: FlaskClient
    ids: dict[str, str] = field(default_factory=dict)


# How to name Ada's (or her therapist Tom's) record for each URL variable.
RECORD_ID_VARIABLES: dict[str, Callable[[World], str]] = {
    "entry_id": lambda w: w.ids["entry"],
    "draft_id": lambda w: w.ids["draft"],
    "device_id": lambda w: w.ids["device"],
    "session_id": lambda w: w.ids["kap_session"],
    "line_id": lambda w: w.ids["log_line"],
    "link_id": lambda w: w.ids["link"],
    "share_id": lambda w: w.ids["share"],
    "invitation_id": lambda w: w.ids["invitation"],
    "patient_id": lambda w: w.ids["ada"],
    "record_id": lambda w: w.ids["entry"],
    "result_id": lambda w: w.ids["measure_result"],
    "adaptation_id": lambda w: w.ids["adaptation"],
    "effect_id": lambda w: w.ids["after_effect"],
    "group": lambda w: w.ids["done_session"],
    # The administrator's pages name a therapist (Ada's, Tom).
    "therapist_id": lambda w: w.ids["tom"],
}
# Variables that are not record ids, with a valid value (so that in a route that
# also takes an id, only the id decides the answer), by name or by (endpoint, name).
ARGUMENT_VALUES: dict[str | tuple[str, str], Callable[[World], str]] = {
    "table": lambda w: "entries",
    "instrument_id": lambda w: "phq9",
    "kind": lambda w: "checklist",
    ("clinic.acknowledge_flag", "record_id"): lambda w: w.ids["measure_result"],
    ("kap_sessions.tick", "key"): lambda w: w.ids["checklist_key"],
    ("care.category", "key"): lambda w: w.ids["category_key"],
    ("care.stop_category", "key"): lambda w: w.ids["category_key"],
    # Integration: Ada's done session, one of its prompts and an after-effect of it.
    **{
        (f"kap_sessions.integration.{name}", variable): (
            (lambda w: w.ids["prompt_key"])
            if variable == "key"
            else (lambda w: w.ids["done_session"])
        )
        for name in ("answer", "save_answer", "skip", "snooze", "autosave", "remove_after_effect")
        for variable in ("key", "session_id")
    },
    ("journal.journey.answers_to", "key"): lambda w: w.ids["prompt_key"],
}


def value_for(world: World, endpoint: str, name: str) -> str:
    provider = (
        ARGUMENT_VALUES.get((endpoint, name))
        or ARGUMENT_VALUES.get(name)
        or RECORD_ID_VARIABLES[name]
    )
    return provider(world)


def names_a_record(rule: Rule) -> bool:
    """The route takes at least one record id (so another person must get a 404)."""
    return rule.endpoint not in NOT_RECORD_IDS and any(
        name in RECORD_ID_VARIABLES for name in rule.arguments
    )


# Endpoints whose URL variables are not record ids, with the reason.
NOT_RECORD_IDS = {
    "static": "public files",
    "auth.signup_finish": "a single-use token from an email (tested in tests/web)",
    "auth.start_over": "a single-use token from an email (tested in tests/web)",
    "welcome.therapist": "a single-use token from an email (tests/web/test_admin.py)",
    "care.invitation": "an invitation code is a bearer secret by design (tests/web/test_care_*)",
    "care.accept": "an invitation code is a bearer secret by design (tests/web/test_care_*)",
    "care.decline": "an invitation code is a bearer secret by design (tests/web/test_care_*)",
}


def build_world(app: Flask) -> World:
    """Ada linked with her therapist Tom, with one of everything: an entry (shared
    with Tom), a draft, a dosing session at home with a log line and a checklist, a
    standing category; Tom with a pending invitation. Mallory and Eve attack."""
    from tests.web.care_helpers import accept, invite, link_id, share
    from tests.web.care_mood_helpers import acknowledge
    from tests.web.care_prep_helpers import default_rows, post_adaptation, share_refs
    from tests.web.mood_helpers import finish_at_once, phq9
    from tests.web.prep_helpers import in_hours, plan_session

    make_user(app, ADA)
    make_user(app, MALLORY)
    make_user(app, EVE, Role.THERAPIST)
    make_user(app, TOM, Role.THERAPIST)
    world = World(app, *(app.test_client() for _ in range(4)))
    for client, email in (
        (world.ada, ADA),
        (world.mallory, MALLORY),
        (world.eve, EVE),
        (world.tom, TOM),
    ):
        assert login(client, email).status_code == 302, email
    saved = write_entry(world.ada, ADA_BODY, title=ADA_TITLE)
    world.ids["entry"] = saved.headers["Location"].rsplit("/", 1)[1]
    world.ids["draft"] = str(uuid.uuid4())
    drafted = world.ada.post(
        f"/journal/drafts/{world.ids['draft']}",
        data={"body": ADA_DRAFT, "csrf_token": csrf_token(world.ada, "/journal/")},
        headers=HTMX,
    )
    assert drafted.status_code == 200
    ada_id = user_id(app, ADA)
    world.ids["ada"] = str(ada_id)
    world.ids["tom"] = str(user_id(app, TOM))
    with app.app_context():
        world.ids["device"] = str(
            db.session.scalar(select(AuthSession.public_id).where(AuthSession.user_id == ada_id))
        )

    # Care team: Ada accepts Tom's invitation, shares her entry; Tom invites again.
    assert accept(world.ada, invite(world.tom)).status_code == 302
    link = link_id(app, TOM, ADA)
    world.ids["link"] = str(link)
    assert share(world.ada, link, world.ids["entry"]).status_code in (200, 302, 303)
    invite(world.tom)
    with app.app_context():
        world.ids["share"] = str(db.session.scalar(select(Share.id)))
        world.ids["invitation"] = str(
            db.session.scalar(select(CareInvitation.id).where(CareInvitation.used_at.is_(None)))
        )
    # No feature registers a standing category yet; the link id is checked first anyway.
    world.ids["category_key"] = min(shareable.CATEGORIES, default="no-category-yet")

    # Preparation: a dosing session at home, its checklist and a line in its log.
    session_id = plan_session(world.ada, in_hours(2), route="oral", setting="home")
    world.ids["kap_session"] = session_id
    page = world.ada.get(f"/sessions/{session_id}").get_data(as_text=True)
    key = re.search(rf"/sessions/{session_id}/checklist/([\w-]+)", page)
    assert key, "no checklist item on the session page"
    world.ids["checklist_key"] = key.group(1)
    logged = world.ada.post(
        f"/sessions/{session_id}/log",
        data={
            "kind": "dose",
            "time": in_hours(0).strftime("%H:%M"),
            "note": "first",
            "csrf_token": csrf_token(world.ada, "/journal/"),
        },
    )
    assert logged.status_code == 303, logged.get_data(as_text=True)[:500]
    during = world.ada.get(f"/sessions/{session_id}/during").get_data(as_text=True)
    line = re.search(rf"/sessions/{session_id}/log/([0-9a-f-]{{36}})/delete", during)
    assert line, "no log line on the at-home page"
    world.ids["log_line"] = line.group(1)

    # Mood: a questionnaire result with a safety flag, shared; Tom reads it and
    # acknowledges the flag. Tom adapts the preparation checklist and the integration
    # prompts for Ada (her done session below gets his prompts, his own one too).
    result = finish_at_once(world.ada, "phq9", phq9(item9=1))
    assert result.status_code in (302, 303), result.status_code
    world.ids["measure_result"] = result.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    shared = share_refs(world.ada, link, f"measure_results:{world.ids['measure_result']}")
    assert shared.status_code in (200, 302, 303)
    assert world.tom.get("/clinic/patients").status_code == 200  # counts open flags
    ada_item = f"/clinic/patients/{world.ids['ada']}/records/measure_results/"
    assert world.tom.get(ada_item + world.ids["measure_result"]).status_code == 200
    assert acknowledge(world.tom, world.ids["ada"], world.ids["measure_result"]).status_code == 302
    url = f"/clinic/patients/{world.ids['ada']}/adaptations/checklist"
    assert post_adaptation(world.tom, url, default_rows()).status_code in (200, 302, 303)
    with app.app_context():
        world.ids["adaptation"] = str(
            db.session.scalar(select(Adaptation.id).where(Adaptation.kind == "checklist"))
        )
    prompts = prompt_adaptation.form_as_posted(prompt_adaptation.default_form())
    own = next(name for name in prompts if name.endswith("-new")).removesuffix("new")
    prompts[own + "text"], prompts[own + "slot"] = "Tom's own question for Ada?", "within_24h"
    url = f"/clinic/patients/{world.ids['ada']}/adaptations/prompts"
    assert post_adaptation(world.tom, url, prompts).status_code == 302

    # Integration: a session done six hours ago (its within-a-day prompts are open),
    # one answered prompt and one after-effect.
    from tests.web.integ_helpers import add_after_effect, answer, log_done_session
    from tests.web.prep_helpers import local_fields

    done = log_done_session(world.ada, hours_ago=6)
    world.ids["done_session"] = done
    world.ids["prompt_key"] = "day-one-surprised"
    assert answer(world.ada, done, "day-one-surprised", "Warm hands").status_code < 400
    effect = add_after_effect(
        world.ada, done, kind="headache", severity="mild", **local_fields(in_hours(-0.5), "UTC")
    )
    assert effect.status_code == 303, effect.status_code
    effects = world.ada.get(f"/sessions/{done}/after-effects").get_data(as_text=True)
    found = re.search(rf"/sessions/{done}/after-effects/([0-9a-f-]{{36}})/delete", effects)
    assert found, "no after-effect on its page"
    world.ids["after_effect"] = found.group(1)
    return world


def named_endpoints() -> set[str]:
    """Every endpoint this module names: a name that matches no route would silently
    fall back to a default value and make its test prove nothing."""
    named = {key[0] for key in ARGUMENT_VALUES if isinstance(key, tuple)}
    return named | set(NOT_RECORD_IDS)


def rules(app: Flask) -> list[Rule]:
    found = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    endpoints = {rule.endpoint for rule in found}
    missing = sorted(named_endpoints() - endpoints)
    assert not missing, f"tests/security/world.py names routes that do not exist: {missing}"
    return found


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - SKIPPED_METHODS)


def url_with_ids(world: World, rule: Rule) -> str:
    """The rule's path with Ada's record ids filled in (KeyError for an unknown kind)."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value_for(world, rule.endpoint, name), path)
    return path


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, str]
    text_fields: list[str]
    # Where free text goes (text, email, search inputs and textareas): not dates,
    # times, passwords or choices.
    free_text: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").upper()
            self._form = Form(self.page, a.get("action") or self.page, method, {}, [])
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "button"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                self._form.fields[a["name"]] = a.get("value", "on")
            else:
                self._form.fields[a["name"]] = a.get("value", "")
            if kind in ("text", "email", "password", "date", "search"):
                self._form.text_fields.append(a["name"])
            if kind in ("text", "email", "search"):
                self._form.free_text.append(a["name"])
        elif tag == "textarea":
            self._form.fields[a["name"]] = ""
            self._form.text_fields.append(a["name"])
            self._form.free_text.append(a["name"])
        elif tag == "select":
            self._select = a["name"]
            self._form.fields[a["name"]] = ""
            self._form.text_fields.append(a["name"])
        elif tag == "option" and self._select and not self._form.fields[self._select]:
            self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(client: FlaskClient, path: str) -> list[Form]:
    parser = _FormParser(path)
    parser.feed(client.get(path).get_data(as_text=True))
    return parser.forms


def get_pages(world: World) -> list[str]:
    """Every GET page in the url_map, ids filled with Ada's, plus the query strings
    that make a page show more (a restored draft, a date range)."""
    pages = []
    for rule in rules(world.app):
        if "GET" not in methods(rule) or rule.endpoint in NOT_RECORD_IDS:
            continue
        pages.append(url_with_ids(world, rule))
    pages += [
        # The adaptation page takes a kind (the url_map fills in "checklist").
        f"/clinic/patients/{world.ids['ada']}/adaptations/prompts",
        f"/journal/new?draft={world.ids['draft']}",
        "/settings/export/print?start=2000-01-01&end=2100-01-01",
    ]
    return pages
