"""Previews and decisions (issue 17, point 7): the proof on a page with thumbnails drawn in memory, a
job's outputs opened by staff, a template with a made-up sample record, and the rows production will
leave out, masked, before a job is drafted. Every read of client data is audited with its purpose."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.datafiles.synthetic import address_csv
from verwerker.lib.testing import require_tool
from verwerker.production.actions import do_release_job
from verwerker.production.models import OutputKind
from verwerker.production.preview import mask_postcode, masked_line
from verwerker.production.tests.conftest import produce
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db


def _reads(purpose: str) -> int:
    return sum(1 for d in AuditEvent.objects.filter(action=EventType.BLOB_READ).values_list("details", flat=True)
               if json.loads(d)["purpose"] == purpose)


@pytest.fixture
def produced(client_a, draft, staff):
    job = draft(receive_file(client_a, "proefbestand.csv", address_csv(30, seed=21)), proof_required=True)
    job = produce(do_release_job(job, user=staff.drafter, actor=Actor.for_user(staff.drafter)))
    assert job.state == "produced", job.error
    return job


def test_masking_keeps_first_letters_and_the_postcode_figures_only():
    record = {"initials": "J.", "infix": "de", "last_name": "Vries", "postcode": "1234 AB"}
    assert masked_line(record) == "J. d* V****, 1234 **"
    assert mask_postcode("9735av") == "9735**"


def test_the_client_sees_the_proof_with_page_thumbnails_each_an_audited_read(login, user_a, user_b, produced):
    require_tool("pdftocairo")
    web = login(user_a)
    page = web.get(reverse("production:proof", args=[produced.pk]))
    proof = produced.outputs.get(kind=OutputKind.PROOF, attempt=produced.attempt)
    assert proof.pages and proof.pages >= 1
    assert reverse("production:proof_sheet", args=[produced.pk]).encode() in page.content
    assert b'id="proof-decision"' in page.content and b'name="note"' in page.content
    before = _reads("proof_download")
    image = web.get(reverse("production:proof_sheet", args=[produced.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    assert image["Cache-Control"] == "private, no-store"
    assert _reads("proof_download") == before + 1  # one read draws every thumbnail
    assert login(user_b).get(reverse("production:proof_sheet", args=[produced.pk])).status_code == 404
    assert login(user_b).get(reverse("production:proof", args=[produced.pk])).status_code == 404


def test_staff_open_the_proof_and_outputs_from_the_job_page_as_audited_reads(login, staff, user_a, produced):
    web = login(staff.drafter)
    page = web.get(reverse("production:job", args=[produced.pk])).content.decode()
    outputs = {o.kind: o for o in produced.outputs.filter(attempt=produced.attempt)}
    for kind in (OutputKind.PROOF, OutputKind.MANIFEST, OutputKind.PART):
        assert reverse("production:job_output", args=[produced.pk, outputs[kind].pk]) in page
    linked = {k for k, o in outputs.items() if reverse("production:job_output", args=[produced.pk, o.pk]) in page}
    assert OutputKind.RECORDS not in linked
    before = _reads("output_review")
    manifest = web.get(reverse("production:job_output", args=[produced.pk, outputs[OutputKind.MANIFEST].pk]))
    assert manifest.status_code == 200 and manifest["Content-Type"] == "text/csv"
    assert "attachment" in manifest["Content-Disposition"]
    pdf = web.get(reverse("production:job_output", args=[produced.pk, outputs[OutputKind.PROOF].pk]))
    assert pdf.content.startswith(b"%PDF")
    assert _reads("output_review") == before + 2
    records = outputs[OutputKind.RECORDS]
    assert web.get(reverse("production:job_output", args=[produced.pk, records.pk])).status_code == 404
    manifest_url = reverse("production:job_output", args=[produced.pk, outputs[OutputKind.MANIFEST].pk])
    assert login(user_a).get(manifest_url).status_code == 404


def test_a_template_is_previewed_with_a_made_up_record_without_reading_client_data(login, staff, template):
    require_tool("pdftocairo")
    before = AuditEvent.objects.filter(action=EventType.BLOB_READ).count()
    image = login(staff.drafter).get(reverse("production:template_sample", args=[template.pk]))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action=EventType.BLOB_READ).count() == before


def test_the_rows_production_will_leave_out_are_listed_masked_before_drafting(login, staff, client_a):
    """GIVEN a file with a record without a postcode and a double record WHEN the department asks for the
    rows to be left out THEN both are listed by row number, masked (no full surname), the read is audited
    as a preview, and nothing is stored on the file."""
    rows = ("Voorletters;Tussenvoegsel;Achternaam;Straat;Huisnummer;Postcode;Plaats\r\n"
            "J.;de;Vries;Dorpsstraat;12;1234 AB;ERGENS\r\n"
            "P.;;Zonderpostcodeman;Kerkpad;3;;NERGENS\r\n"
            "A.;van;Dubbelsteyn;Laan;5;2345 BC;DAAR\r\n"
            "A.;van;Dubbelsteyn;Laan;5;2345 BC;DAAR\r\n")
    data_file = receive_file(client_a, "met-fouten.csv", rows.encode())
    profile = dict(data_file.profile)
    web = login(staff.drafter)
    assert b'id="rejects-preview"' in web.get(reverse("production:data_file", args=[data_file.pk])).content
    before = _reads("preview")
    page = web.post(reverse("production:rejects_preview", args=[data_file.pk]), {"dedupe": "person"})
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert 'data-reject-row="2"' in html and 'data-reject-row="4"' in html and 'data-reject-row="1"' not in html
    assert "P. Z****************" in html and "A. v** D**********, 2345 **" in html
    assert "onbestelbaar: ongeldige of ontbrekende postcode" in html  # the reasons in the reader's language
    assert "dubbele persoon op hetzelfde adres" in html and "invalid or missing postcode" not in html
    for value in ("Zonderpostcodeman", "Dubbelsteyn", "Kerkpad", "NERGENS"):
        assert value not in html
    assert _reads("preview") == before + 1
    data_file.refresh_from_db()
    assert data_file.profile == profile


def test_a_kix_reason_reads_in_the_readers_language():
    from django.utils import translation

    from verwerker.production.pipeline import reject_reason_text

    with translation.override("nl"):
        assert reject_reason_text("unaddressable: no KIX: empty KIX") == "onbestelbaar: geen KIX: lege KIX"
        assert (reject_reason_text("unaddressable: no KIX: KIX longer than 18 characters")
                == "onbestelbaar: geen KIX: KIX langer dan 18 tekens")
