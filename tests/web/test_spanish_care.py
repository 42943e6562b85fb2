"""Spanish on the care pages (issue 21). A Spanish-speaking patient reads the care
team, share and access-log pages and Settings in Spanish; the therapist she shares
with reads the caseload and the brief in the therapist's own language, with her words
as she wrote them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.pages import csrf_token, markup, words
from tests.spanish import assert_spanish, present, spanish
from tests.web.care_helpers import Pair, linked_pair, share, write
from tests.web.care_mood_helpers import RESULTS, brief_url, phq9_answers, share_record, take

SPANISH = "es-US,es;q=0.9,en;q=0.5"


def spanish_pair(app: Flask, client: FlaskClient, other_client: FlaskClient) -> Pair:
    """The patient's browser asks for Spanish, the therapist's for English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    other_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    return linked_pair(app, other_client, client)


def test_the_patients_care_pages_are_spanish(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = spanish_pair(app, client, other_client)
    patient = pair.patient
    assert_spanish(patient.get("/care/"), "Care team", "Your therapists", "Check the code")
    entry = write(patient, "Hoy caminé junto al río.", title="El río")
    preview = patient.get(f"/care/share?record=entries:{entry}")
    assert_spanish(preview, "Share with", "What they will see", "Journal entry")
    assert "El río" in words(preview)
    assert share(patient, pair.link, entry).status_code == 302
    pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/entries/{entry}")
    log = patient.get("/care/access-log")
    assert_spanish(log, "Who read what", "Read")
    assert "abrió un elemento (entrada del diario)" in words(log)


def test_settings_are_spanish_with_an_error_shown(ada: FlaskClient) -> None:
    ada.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    assert_spanish(
        ada.get("/settings/"), "Settings", "Time zone", "Save time zone", "Questionnaires"
    )
    refused = ada.post(
        "/settings/time-zone",
        data={"time_zone": "Atlantis", "csrf_token": csrf_token(ada, "/settings/")},
    )
    assert refused.status_code == 422
    assert_spanish(refused, "Type a city or a zone from the list, like Berlin or Europe/Berlin.")


def test_the_english_therapist_reads_the_spanish_patients_words_in_english(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = spanish_pair(app, client, other_client)
    entry = write(pair.patient, "Me sentí en calma después de la sesión.", title="Calma")
    assert share(pair.patient, pair.link, entry).status_code == 302
    result = take(pair.patient, "phq9", phq9_answers(6))
    assert share_record(pair, RESULTS, result).status_code == 302

    caseload = pair.therapist.get("/clinic/patients")
    assert '<html lang="en">' in markup(caseload)
    brief = pair.therapist.get(brief_url(pair))
    assert '<html lang="en">' in markup(brief)
    text = words(brief)
    assert "Me sentí en calma después de la sesión." in text
    assert "Journal entry" in text
    assert "Questionnaire result" in text
    assert "Pre-appointment brief" in text
    assert "Entrada del diario" not in text
    assert "Resultado de cuestionario" not in text
    item = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/entries/{entry}")
    assert "Me sentí en calma después de la sesión." in words(item)
    assert "Journal entry" in words(item)


def test_a_therapist_who_chose_spanish_reads_spanish_labels(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    pair = spanish_pair(app, client, other_client)
    entry = write(pair.patient, "Una nota.", title="Nota")
    assert share(pair.patient, pair.link, entry).status_code == 302
    chosen = pair.therapist.post(
        "/settings/language",
        data={"language": "es", "csrf_token": csrf_token(pair.therapist, "/settings/")},
    )
    assert chosen.status_code == 302
    item = pair.therapist.get(f"/clinic/patients/{pair.patient_id}/records/entries/{entry}")
    assert '<html lang="es">' in markup(item)
    assert "Entrada del diario" in words(item)


def test_the_adaptation_forms_are_spanish_with_an_error_shown(
    app: Flask, client: FlaskClient, other_client: FlaskClient
) -> None:
    """A Spanish-speaking therapist adapts a checklist and a prompt set: the form's own
    words, and its messages, are Spanish."""
    pair = linked_pair(app, other_client, client)
    therapist = pair.therapist
    therapist.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH
    url = f"/clinic/patients/{pair.patient_id}/adaptations/checklist"
    page = therapist.get(url)
    assert '<html lang="es">' in markup(page)
    text = words(page)
    for msgid in ("Save for this patient", "How adapting works", "All routes", "Add an item"):
        assert spanish(msgid) in markup(page), msgid
    assert present(spanish("Blood pressure before an at-home troche (optional)"), text)
    assert not present("Save for this patient", text)
    form = {"csrf_token": csrf_token(therapist, url), "rows": "1", "row-0-new": "1"}
    form |= {"row-0-text": "", "row-0-detail": "x", "row-0-timing": "", "row-0-routes": "iv"}
    form |= {"row-0-settings": "clinic", "row-0-audience": "patient"}
    refused = therapist.post(url, data=form)
    assert refused.status_code == 422
    assert present(spanish("Write the item, or leave the whole row empty."), words(refused))
    assert present(spanish("Choose when the item is due."), words(refused))

    url = f"/clinic/patients/{pair.patient_id}/adaptations/prompts"
    page = therapist.get(url)
    assert spanish("Integration prompts") in words(page)
    assert spanish("Add a prompt") in markup(page)
    assert not present("Save for this patient", words(page))
