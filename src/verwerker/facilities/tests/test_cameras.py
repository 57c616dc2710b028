"""Cameras and footage (P27): where a camera may hang, how long footage is kept, who viewed it and why."""

import datetime as dt
import json
import os

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.facilities import actions
from verwerker.facilities.compliance import cameras as p27
from verwerker.facilities.models import Camera, ClipViewing
from verwerker.privacy.compliance import State
from verwerker.privacy.models import DataSubjectRequest, RequestConcerns
from verwerker.retention.models import DeletionCertificate
from verwerker.retention.purge import run_purge
from verwerker.vault import storage
from verwerker.vault.models import BlobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def purge(django_capture_on_commit_callbacks, system_actor):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return run_purge(actor=system_actor, **kwargs)

    return run


@pytest.fixture
def camera(system_actor):
    return actions.do_register_camera(
        name="Ingang", location="hoofdingang", location_kind="entrance", kind="dome", actor=system_actor
    )


def _clip(camera, incident, *, hold, actor, start):
    return actions.do_store_camera_clip(
        camera, incident, recorded_from=start, recorded_until=start + dt.timedelta(minutes=5),
        content=os.urandom(2048), hold=hold, actor=actor,
    )


def test_a_clip_without_a_hold_is_shredded_after_four_weeks_and_a_held_one_survives_until_the_incident_is_closed(
    camera, system_actor, purge
):
    """GIVEN an incident and two clips of it stored on day 0, one held for the incident and one not
    WHEN the purge runs on day 27, on day 29, and again on day 29 after the incident is closed
    THEN on day 27 both live; on day 29 the unheld clip is crypto-shredded, its file gone, on a deletion
    certificate with the house as controller, while the held one lives; after closing, the held one goes too."""
    start = timezone.now() - dt.timedelta(minutes=30)
    incident = actions.do_record_camera_incident(title="Inbraakpoging magazijn", occurred_at=start, actor=system_actor)
    loose = _clip(camera, incident, hold=False, actor=system_actor, start=start)
    held = _clip(camera, incident, hold=True, actor=system_actor, start=start)

    with time_machine.travel(start + dt.timedelta(days=27), tick=False):
        purge()
    loose.blob.refresh_from_db(), held.blob.refresh_from_db()
    assert loose.blob.state == held.blob.state == BlobState.STORED

    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        report = purge()
        loose.blob.refresh_from_db(), held.blob.refresh_from_db()
        assert loose.blob.state == BlobState.SHREDDED and loose.blob.wrapped_key is None
        assert not storage.blob_path(loose.blob.pk).exists()
        assert held.blob.state == BlobState.STORED and storage.blob_path(held.blob.pk).exists()
        clips = next(c for c in report["classes"] if c["record_class"] == "camera_clips")
        assert (clips["purged"], clips["held"]) == (1, 1)
        cert = DeletionCertificate.objects.get(items__blob=loose.blob)
        body = json.loads(cert.body)
        assert cert.client is None and body["controller"]["client_id"] is None
        assert [i["blob_id"] for i in body["deleted"]] == [str(loose.blob.pk)]
        assert AuditEvent.objects.filter(action=EventType.CERTIFICATE_ISSUED, object_id=str(cert.pk)).exists()

        actions.do_close_camera_incident(incident, outcome="Dader bekend, aangifte gedaan", actor=system_actor)
        purge()
    held.blob.refresh_from_db()
    assert held.blob.state == BlobState.SHREDDED and DeletionCertificate.objects.filter(items__blob=held.blob).exists()


def test_the_house_records_do_not_count_as_client_data_for_the_monthly_limit(camera, system_actor, purge):
    """A held clip older than a client's 31 days is the house's own record: the client-data purge and P18 leave it."""
    from verwerker.privacy.compliance import evaluate

    start = timezone.now()
    incident = actions.do_record_camera_incident(title="Ruzie bij de ingang", occurred_at=start, actor=system_actor)
    held = _clip(camera, incident, hold=True, actor=system_actor, start=start)
    with time_machine.travel(start + dt.timedelta(days=60), tick=False):
        purge()
        held.blob.refresh_from_db()
        assert held.blob.state == BlobState.STORED
        rows = {r["promise"].id: r["finding"] for r in evaluate()}
        assert rows["P18"].state == State.OK and rows["P27"].state == State.OK


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"location_kind": "toilet"}, "no camera in a toilet"),
        ({"location_kind": "changing_room"}, "no camera in a changing room"),
        ({"audio": True}, "no sound"),
        ({"recorder_retention_days": 35}, "at most 28 days"),
    ],
)
def test_a_camera_in_a_toilet_or_changing_room_with_sound_or_kept_too_long_is_refused_and_the_refusal_audited(
    system_actor, kwargs, message
):
    base = {"name": "Cam", "location": "gang", "location_kind": "office", "kind": "fixed"}
    with pytest.raises(ValidationError, match=message):
        actions.do_register_camera(**{**base, **kwargs}, actor=system_actor)
    assert not Camera.objects.exists()
    assert AuditEvent.objects.filter(action=EventType.CAMERA_REFUSED, outcome="refused").count() == 1


def test_the_database_itself_refuses_a_camera_with_sound_or_in_a_toilet(camera):
    from django.db import IntegrityError, transaction

    for change in ({"audio": True}, {"location_kind": "toilet"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Camera.objects.filter(pk=camera.pk).update(**change)


def test_the_recorder_keeps_footage_longer_only_while_an_open_incident_holds_it(camera, system_actor):
    with pytest.raises(ValidationError, match="langer alleen voor een open incident"):
        actions.do_set_camera_retention(camera, days=60, actor=system_actor)
    incident = actions.do_record_camera_incident(title="Diefstal", occurred_at=timezone.now(), actor=system_actor)
    actions.do_set_camera_retention(camera, days=60, incident=incident, actor=system_actor)
    assert p27().state == State.OK
    actions.do_close_camera_incident(incident, outcome="afgehandeld", actor=system_actor)
    camera.refresh_from_db()
    assert camera.recorder_retention_days == 28 and camera.extended_for is None


@pytest.mark.usefixtures("english")  # the evidence read as written, in English
def test_the_cameras_check_fails_when_a_recorder_keeps_footage_too_long_without_an_incident(camera):
    assert p27().state == State.OK
    Camera.objects.filter(pk=camera.pk).update(recorder_retention_days=40)
    finding = p27()
    assert finding.state == State.FAILING and "1 longer without an open incident" in finding.evidence


def test_a_clip_is_viewed_only_with_a_reason_and_every_viewing_is_logged(camera, system_actor, make_staff, login):
    officer = make_staff(Role.PRIVACY)
    web = login(officer)
    incident = actions.do_record_camera_incident(title="Schade aan bus", occurred_at=timezone.now(), actor=system_actor)
    clip = _clip(camera, incident, hold=False, actor=system_actor, start=timezone.now() - dt.timedelta(hours=1))

    refused = web.post(reverse("facilities:view_clip", args=[clip.pk]), {"reason": " "})
    assert refused.status_code == 302 and not ClipViewing.objects.exists()
    shown = web.post(reverse("facilities:view_clip", args=[clip.pk]), {"reason": "Wie reed tegen de bus?"})
    assert shown.status_code == 200 and len(shown.content) == 2048
    viewing = ClipViewing.objects.get()
    assert viewing.viewed_by == officer and viewing.reason == "Wie reed tegen de bus?"
    assert AuditEvent.objects.filter(action=EventType.CAMERA_CLIP_VIEWED, object_id=str(clip.pk)).exists()
    assert "Wie reed tegen de bus?" in web.get(reverse("facilities:cameras")).content.decode()


def test_camera_screens_are_for_the_privacy_officer_only(login, make_staff, user_a, camera, system_actor):
    incident = actions.do_record_camera_incident(title="x", occurred_at=timezone.now(), actor=system_actor)
    clip = _clip(camera, incident, hold=False, actor=system_actor, start=timezone.now())
    printer = login(make_staff(Role.PRINT))
    assert printer.get(reverse("facilities:cameras")).status_code == 404
    assert printer.post(reverse("facilities:view_clip", args=[clip.pk]), {"reason": "nieuwsgierig"}).status_code == 404
    assert not ClipViewing.objects.exists()


def test_a_visitors_request_gets_a_deadline_and_an_unanswered_one_past_it_fails_the_check(system_actor, camera):
    request = actions.do_log_camera_request(kind="erasure", requester="bezoeker via receptie, tel. 0612345678",
                                            camera=camera, actor=system_actor)
    assert request.deadline > timezone.localdate()
    entry = DataSubjectRequest.objects.get(concerns=RequestConcerns.CAMERA)
    assert entry.reference == request.reference and entry.client is None and entry.status == "open"
    assert p27().state == State.OK
    with time_machine.travel(timezone.now() + dt.timedelta(days=40), tick=False):
        assert p27().state == State.FAILING
        actions.do_answer_camera_request(request, outcome="Beelden zijn na 4 weken al gewist.", actor=system_actor)
        assert p27().state == State.OK


def test_the_officer_registers_a_camera_and_stores_a_held_clip_from_the_screens(login, make_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from verwerker.facilities.models import CameraClip, CameraIncident

    web = login(make_staff(Role.PRIVACY))
    page = web.post(reverse("facilities:cameras"), {
        "form": "camera", "cam-name": "Toilet 1", "cam-location": "begane grond", "cam-location_kind": "toilet",
        "cam-kind": "fixed", "cam-recorder_retention_days": "28",
    })
    assert page.status_code == 200 and "no camera in a toilet" in page.content.decode() and not Camera.objects.exists()
    web.post(reverse("facilities:cameras"), {
        "form": "camera", "cam-name": "Laadperron", "cam-location": "achterzijde", "cam-location_kind": "warehouse",
        "cam-kind": "fixed", "cam-recorder_retention_days": "14",
    })
    web.post(
        reverse("facilities:cameras"),
        {"form": "incident", "inc-title": "Pallet weg", "inc-occurred_at": "2026-03-02T10:00"},
    )
    camera, incident = Camera.objects.get(), CameraIncident.objects.get()
    web.post(
        reverse("facilities:cameras"),
        {
            "form": "clip",
            "clip-camera": camera.pk,
            "clip-incident": incident.pk,
            "clip-recorded_from": "2026-03-02T09:55",
            "clip-recorded_until": "2026-03-02T10:05",
            "clip-hold": "on",
            "clip-content": SimpleUploadedFile("export.mp4", b"\x00\x00\x00 ftypisom" + os.urandom(100)),
        },
    )
    clip = CameraClip.objects.get()
    assert clip.hold is not None and clip.blob.client_id is None and clip.blob.state == BlobState.STORED


def test_an_erasure_request_shreds_the_persons_clips_with_a_certificate_but_keeps_a_held_one_and_says_so(
    camera, system_actor, login, make_staff, django_capture_on_commit_callbacks
):
    """GIVEN three clips of the entrance camera: two in the period a visitor names, one of them held for an
    open incident, and one outside that period
    WHEN the visitor's erasure request is logged (it is in the one request register, with its deadline) and
    answered
    THEN the unheld clip in the period is crypto-shredded on a deletion certificate, the held one and the one
    outside the period live, and the answer names the incident that keeps the held clip."""
    start = timezone.now() - dt.timedelta(hours=3)
    incident = actions.do_record_camera_incident(title="Ruit ingegooid", occurred_at=start, actor=system_actor)
    free = _clip(camera, incident, hold=False, actor=system_actor, start=start)
    held = _clip(camera, incident, hold=True, actor=system_actor, start=start + dt.timedelta(minutes=10))
    other = _clip(camera, incident, hold=False, actor=system_actor, start=start + dt.timedelta(hours=2))
    request = actions.do_log_camera_request(
        kind="erasure", requester="Bezoeker B. via receptie", camera=camera, moment_from=start,
        moment_until=start + dt.timedelta(minutes=30), actor=system_actor,
    )
    officer = login(make_staff(Role.PRIVACY))
    listing = officer.get(reverse("privacy:requests")).content.decode()
    assert f'data-request="{request.reference}"' in listing and "Bezoeker" not in listing
    assert officer.get(reverse("privacy:request", args=[request.request_id])).url.endswith(f"#{request.reference}")
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(reverse("facilities:answer_camera_request", args=[request.pk]),
                     {"outcome": "Uw beelden zijn gewist."})
    for clip in (free, held, other):
        clip.blob.refresh_from_db()
    assert free.blob.state == BlobState.SHREDDED and not os.path.exists(storage.blob_path(free.blob_id))
    assert held.blob.state == BlobState.STORED and other.blob.state == BlobState.STORED
    cert = DeletionCertificate.objects.get(client=None, reason="own_request")
    assert [i["blob_id"] for i in json.loads(cert.body)["deleted"]] == [str(free.blob_id)]
    entry = DataSubjectRequest.objects.get(pk=request.request_id)
    assert entry.status == "executed" and entry.receipt.startswith("Uw beelden zijn gewist.")
    assert str(cert.pk) in entry.receipt and f"incident {incident.reference}" in entry.receipt
