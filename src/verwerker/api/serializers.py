"""What the API shows: ids, states, counts, and the names the client gave its own files. Never a value
from a file (masked examples stay in the screens)."""

from __future__ import annotations

from collections import Counter

from rest_framework import serializers

from verwerker.api.models import WebhookEvent
from verwerker.datafiles.models import DataFile
from verwerker.intake.models import Upload
from verwerker.privacy.models import RequestKind


class UploadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    channel = serializers.CharField()
    state = serializers.CharField()
    size = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    data_file = serializers.SerializerMethodField()

    def get_data_file(self, upload) -> int | None:
        """The data file registered from the upload: it holds the same blob (a file does not point back)."""
        if upload.blob_id is None:
            return None
        return DataFile.objects.filter(blob_id=upload.blob_id).values_list("pk", flat=True).first()


class ProfileSummarySerializer(serializers.Serializer):
    records = serializers.IntegerField(allow_null=True)
    columns = serializers.IntegerField()
    kinds = serializers.DictField(child=serializers.IntegerField())
    risk = serializers.CharField(allow_blank=True)
    minors = serializers.IntegerField()
    has_bsn = serializers.BooleanField()


class DataFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    name = serializers.CharField()
    state = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField()
    profiled_at = serializers.DateTimeField(allow_null=True)
    upload = serializers.SerializerMethodField()
    profile = serializers.SerializerMethodField()

    def get_upload(self, data_file) -> int | None:
        """The upload that brought the file: it holds the same blob (a data file does not point back)."""
        return Upload.objects.filter(blob_id=data_file.blob_id).values_list("pk", flat=True).first()

    def get_profile(self, data_file) -> ProfileSummarySerializer:
        kinds = data_file.column_kinds if isinstance(data_file.column_kinds, dict) else {}
        counted = Counter(str(v) for v in kinds.values())
        return {  # type: ignore[return-value]
            "records": data_file.record_count,
            "columns": len(kinds),
            "kinds": dict(sorted(counted.items())),
            "risk": data_file.risk,
            "minors": data_file.minors,
            "has_bsn": data_file.has_bsn,
        }


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    name = serializers.CharField()
    state = serializers.CharField()
    data_file = serializers.IntegerField(source="data_file_id")
    station = serializers.IntegerField(source="station_id", allow_null=True)
    proof_required = serializers.BooleanField()
    records_in = serializers.IntegerField(allow_null=True)
    records_out = serializers.IntegerField(allow_null=True)
    pages = serializers.IntegerField(allow_null=True)
    rejects = serializers.IntegerField(allow_null=True)
    parts_total = serializers.IntegerField()
    parts_done = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)
    produced_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    certificate = serializers.SerializerMethodField()

    def get_certificate(self, job) -> str | None:
        return str(job.certificate_id) if job.certificate_id else None


class ProofRejectSerializer(serializers.Serializer):
    REASONS = ["addresses", "text", "layout", "other"]
    # A reason from a closed list: free text might carry a person's details into the audit log.
    reason = serializers.ChoiceField(choices=REASONS)


class OutboxSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField(source="blob.size")
    created_at = serializers.DateTimeField()
    downloaded_at = serializers.DateTimeField(allow_null=True)


class CertificateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    client = serializers.IntegerField(source="client_id", allow_null=True)
    reason = serializers.CharField()
    issued_at = serializers.DateTimeField()
    objects_deleted = serializers.IntegerField()
    sha256 = serializers.CharField()


class SubjectRequestInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.values)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    house_number = serializers.CharField(required=False, allow_blank=True, max_length=10)


class SubjectRequestSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    deadline = serializers.DateField(source="due")
    found_files = serializers.IntegerField(allow_null=True)
    found_records = serializers.IntegerField(allow_null=True)


class WebhookInSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.values), min_length=1, max_length=len(WebhookEvent.values)
    )


class WebhookSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    client = serializers.IntegerField(source="client_id", allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="the HMAC key for Verwerker-Signature; shown once")


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    last_status = serializers.IntegerField(allow_null=True)
    last_response = serializers.CharField(allow_blank=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    reference = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    in_force = serializers.SerializerMethodField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    high_risk_allowed = serializers.BooleanField()
    max_retention_days = serializers.IntegerField(allow_null=True)
    breach_notice_hours = serializers.IntegerField(allow_null=True)

    def get_in_force(self, agreement) -> bool:
        return agreement.is_in_force()


class DayCountSerializer(serializers.Serializer):
    day = serializers.DateField()
    client = serializers.IntegerField()
    records_in = serializers.IntegerField()
    letters_out = serializers.IntegerField()
    pages = serializers.IntegerField()
    rejects = serializers.IntegerField()


class PrintedInSerializer(serializers.Serializer):
    pieces = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False)


_PAGES: dict = {}


def page_of(serializer_class) -> type[serializers.Serializer]:
    """The schema of a page of ``serializer_class`` (limit/offset): count, next, previous, results."""
    if serializer_class not in _PAGES:
        name = serializer_class.__name__.removesuffix("Serializer")
        _PAGES[serializer_class] = type(
            f"Paginated{name}List",
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": serializer_class(many=True),
            },
        )
    return _PAGES[serializer_class]
