"""The demo: a sample client with an agreement, an SFTP account, a synthetic file and a template, and one
job released so the worker takes it to a proof. Made-up people only. Idempotent: a second run reports
what exists."""

from __future__ import annotations

import io

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from verwerker.accounts.actions import do_create_staff_user
from verwerker.accounts.models import User
from verwerker.audit.actors import Actor
from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client
from verwerker.clients.models import Client
from verwerker.datafiles.actions import do_profile_data_file
from verwerker.datafiles.models import DataFile
from verwerker.datafiles.synthetic import address_csv
from verwerker.facilities.actions import do_record_confidentiality_agreement
from verwerker.intake.actions import do_complete_upload, do_issue_sftp_account, do_receive_upload, do_register_upload
from verwerker.intake.models import UploadChannel
from verwerker.production.actions import do_draft_job, do_release_job
from verwerker.production.models import PrintStation, Template
from verwerker.production.render import EXAMPLES
from verwerker.vault.actions import open_blob_writer
from verwerker.vault.models import BlobPurpose

DEMO_CLIENT = "Woningstichting Voorbeeld (demo)"


def _demo_confidentiality_agreement(user, *, actor: Actor) -> None:
    """Staff open client data only with a signed confidentiality agreement on record (P11, the gate in
    facilities/middleware.py); the demo's database user gets one, a generated PDF that says it is a demo,
    so a newcomer can follow the demo job. A real house records the signed copy on the house's registers."""

    import pikepdf  # deferred: a heavy import


    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = "Geheimhoudingsverklaring (demo, niet ondertekend)"
    out = io.BytesIO()
    pdf.save(out)
    do_record_confidentiality_agreement(user, version="demo", signed_on=timezone.localdate(), document=out.getvalue(),
                                        document_name="demo.pdf", actor=actor)


def create_demo(write=print) -> dict:
    """Create the demo's objects and release its job; returns ids. Prints the one-time passwords."""

    actor = Actor.system("demo")
    existing = Client.objects.filter(name=DEMO_CLIENT).first()
    if existing is not None:
        write(f"Demo client exists already (id {existing.pk}); nothing created.")
        return {"client": existing.pk}
    client = do_create_client(DEMO_CLIENT, contact_email="demo@voorbeeld.example", actor=actor)
    agreement = do_create_agreement(
        client, reference="DEMO-1", subject="Demo mailing", nature_and_purpose="Printing and mailing letters",
        data_types="NAW", data_subject_categories="Tenants (synthetic)", actor=actor,
    )
    do_activate_agreement(agreement, actor=actor)
    account, sftp_password = do_issue_sftp_account(client, actor=actor)
    staff = User.objects.filter(username="demo-database").first()
    staff_password = None
    if staff is None:
        staff, staff_password = do_create_staff_user("demo-database", roles=["database"], actor=actor)
        _demo_confidentiality_agreement(staff, actor=actor)
    if not User.objects.filter(username="demo-drukker").exists():
        # The print room's operator, for the API walk in docs/api.md (a staff token confirms printing).
        printer, _printer_password = do_create_staff_user("demo-drukker", roles=["print"], actor=actor)
        _demo_confidentiality_agreement(printer, actor=actor)
    station, _ = PrintStation.objects.get_or_create(
        name="Demo-pers", defaults={"hot_folder": str(settings.DATA_DIR / "hotfolder" / "demo")}
    )
    template, _ = Template.objects.get_or_create(
        name="Voorbeeldbrief", defaults={"source": (EXAMPLES / "letter.typ").read_text()}
    )
    name = "demo-huurders.csv"
    upload = do_register_upload(client, channel=UploadChannel.WEB, name=name, actor=actor)
    writer = open_blob_writer(client=client, purpose=BlobPurpose.UPLOAD, name=name, actor=actor)
    writer.write(address_csv(250, seed=42))
    with transaction.atomic():
        do_complete_upload(upload, writer, actor=actor)
    data_file = do_receive_upload(upload.pk, actor=actor)
    data_file = do_profile_data_file(data_file.pk, actor=actor)  # type: ignore[union-attr]
    job = do_draft_job(data_file, name="Demo: huurverhoging", template=template, user=staff, actor=actor,
                       proof_required=True, station=station)
    do_release_job(job, user=staff, actor=Actor.for_user(staff))
    write(f"Demo client {client.name} (id {client.pk}) with agreement DEMO-1 in force.")
    write(f"SFTP account {account.username}, one-time password (shown once): {sftp_password}")
    if staff_password:
        write(f"Database-department user demo-database, one-time password (shown once): {staff_password}")
    write(f"Demo job {job.pk} released: the worker renders it to a proof (see /werk/opdrachten/{job.pk}/).")
    return {
        "client": client.pk,
        "data_file": data_file.pk,
        "job": job.pk,
        "state": DataFile.objects.get(pk=data_file.pk).state,
    }
