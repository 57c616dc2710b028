"""The client endpoints: a client's token sees only its own client, through the screens' scoping helpers
(``access_*_for`` with the token's principal) and the apps' own actions for every write."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as s
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from verwerker.api import serializers as out
from verwerker.api.actions import do_register_webhook, do_remember_upload, do_remove_webhook
from verwerker.api.auth import ClientToken
from verwerker.api.models import IdempotentUpload, WebhookSubscription
from verwerker.api.problems import ApiProblem
from verwerker.intake import policy


class Page(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


def paginated(view, request, queryset, serializer):
    pager = Page()
    page = pager.paginate_queryset(queryset, request, view=view)
    return pager.get_paginated_response(serializer(page, many=True).data)


class ClientView(APIView):
    permission_classes = [ClientToken]


# -- uploads ---------------------------------------------------------------------------------------------

SHA_HEADER = OpenApiParameter(
    "Content-SHA256",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="SHA-256 of the file, hex (or send Digest: sha-256=<base64>)",
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="repeat an upload safely: the same key answers with the first upload",
)


class UploadList(ClientView):
    @extend_schema(operation_id="uploads_list", responses=out.page_of(out.UploadSerializer))
    def get(self, request):
        from verwerker.intake.queries import list_uploads_for_client  # local: same layer or upward, a cycle at the top

        return paginated(
            self,
            request,
            list_uploads_for_client(request.user.client_id),
            out.UploadSerializer,
        )


UPLOAD_SCHEMA = {
    "parameters": [SHA_HEADER, IDEMPOTENCY],
    "request": {"application/octet-stream": OpenApiTypes.BINARY},
    "responses": {201: out.UploadSerializer, 200: out.UploadSerializer},
}


class UploadCreate(ClientView):
    """Upload a file under its name: the body is the file (``curl -T adressen.csv .../api/v1/uploads/``)."""

    parser_classes: list = []  # the body is the file, streamed by upload.receive; never parsed

    @extend_schema(operation_id="uploads_put", **UPLOAD_SCHEMA)  # type: ignore[arg-type]
    def put(self, request, name: str):
        return self._receive(request, name)

    @extend_schema(operation_id="uploads_create", **UPLOAD_SCHEMA)  # type: ignore[arg-type]
    def post(self, request, name: str):
        return self._receive(request, name)

    def _receive(self, request, name: str):
        from verwerker.api import upload  # local: same layer or upward, a cycle at the top

        try:
            policy.check_name(name)
        except policy.Refusal as refusal:
            raise ApiProblem(422, str(refusal), "bad_name") from None
        length = upload.declared_length(request.META)
        sha256 = upload.declared_sha256(request.META)
        key = request.META.get("HTTP_IDEMPOTENCY_KEY", "").strip()
        if len(key) > 100:
            raise ApiProblem(400, _("An Idempotency-Key has at most 100 characters."), "bad_idempotency_key")
        token = request.user.token
        if key:
            earlier = IdempotentUpload.objects.select_related("upload").filter(token=token, key=key).first()
            if earlier is not None:
                if earlier.sha256 != sha256:
                    raise ApiProblem(409, _("This Idempotency-Key was used for another file."), "idempotency_conflict")
                return Response(out.UploadSerializer(earlier.upload).data, status=status.HTTP_200_OK)
        received = upload.receive(request._request, request.user, name=name, length=length, sha256=sha256)
        if key:
            received = do_remember_upload(token, key=key, sha256=sha256, upload=received).upload
        return Response(out.UploadSerializer(received).data, status=status.HTTP_201_CREATED)


class UploadDetail(ClientView):
    @extend_schema(operation_id="uploads_retrieve", responses=out.UploadSerializer)
    def get(self, request, upload_id: int):
        from verwerker.intake.queries import access_upload_for  # local: same layer or upward, a cycle at the top

        return Response(out.UploadSerializer(access_upload_for(request.user, upload_id)).data)


# -- data files and jobs ---------------------------------------------------------------------------------


class FileList(ClientView):
    @extend_schema(operation_id="files_list", responses=out.page_of(out.DataFileSerializer))
    def get(self, request):
        from verwerker.datafiles.queries import data_files_visible_to  # local: same layer or upward, a cycle at the top

        return paginated(
            self, request, data_files_visible_to(request.user).order_by("-received_at"), out.DataFileSerializer
        )


class FileDetail(ClientView):
    @extend_schema(operation_id="files_retrieve", responses=out.DataFileSerializer)
    def get(self, request, file_id: int):
        from verwerker.datafiles.queries import access_data_file_for  # local: same layer or upward, a cycle at the top

        return Response(out.DataFileSerializer(access_data_file_for(request.user, file_id)).data)


class JobList(ClientView):
    @extend_schema(operation_id="jobs_list", responses=out.page_of(out.JobSerializer))
    def get(self, request):
        from verwerker.production.queries import jobs_visible_to  # local: same layer or upward, a cycle at the top

        return paginated(self, request, jobs_visible_to(request.user).order_by("-created_at"), out.JobSerializer)


class JobDetail(ClientView):
    @extend_schema(operation_id="jobs_retrieve", responses=out.JobSerializer)
    def get(self, request, job_id: int):
        from verwerker.production.queries import access_job_for  # local: same layer or upward, a cycle at the top

        return Response(out.JobSerializer(access_job_for(request.user, job_id)).data)


class ProofDownload(ClientView):
    @extend_schema(operation_id="jobs_proof", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, job_id: int):
        """The proof PDF (an audited read, as in the screens)."""
        from verwerker.production.models import OutputKind  # local: same layer or upward, a cycle at the top

        # local: same layer or upward, a cycle at the top
        from verwerker.production.queries import access_job_for, visible_outputs
        from verwerker.vault.actions import read_blob_bytes  # local: same layer or upward, a cycle at the top
        from verwerker.vault.models import ReadPurpose  # local: same layer or upward, a cycle at the top

        job = access_job_for(request.user, job_id)
        output = visible_outputs(job).filter(kind=OutputKind.PROOF).first()
        if output is None:
            raise ApiProblem(404, _("This job has no proof (yet)."), "no_proof")
        data = read_blob_bytes(output.blob_id, actor=request.user.actor, purpose=ReadPurpose.PROOF_DOWNLOAD)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="proef-{job.pk}.pdf"'
        return response


def _proof_step(request, job_id: int, act):
    from verwerker.production.queries import access_job_for  # local: same layer or upward, a cycle at the top
    from verwerker.production.workflow import StepRefused  # local: same layer or upward, a cycle at the top

    job = access_job_for(request.user, job_id)
    try:
        job = act(job)
    except StepRefused as exc:
        raise ApiProblem(409, str(exc), "step_refused") from None
    return Response(out.JobSerializer(job).data)


class ProofApprove(ClientView):
    @extend_schema(operation_id="jobs_proof_approve", request=None, responses=out.JobSerializer)
    def post(self, request, job_id: int):
        """Approve the proof: the job goes to print (the screens' action)."""
        from verwerker.production.actions import do_approve_proof  # local: same layer or upward, a cycle at the top

        return _proof_step(request, job_id, lambda job: do_approve_proof(job, actor=request.user.actor))


class ProofReject(ClientView):
    @extend_schema(operation_id="jobs_proof_reject", request=out.ProofRejectSerializer, responses=out.JobSerializer)
    def post(self, request, job_id: int):
        """Reject the proof with a reason: its outputs are shredded, the job goes back to drafting."""
        from verwerker.production.actions import do_reject_proof  # local: same layer or upward, a cycle at the top

        form = out.ProofRejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reason = f"client:{form.validated_data['reason']}"
        return _proof_step(request, job_id, lambda job: do_reject_proof(job, actor=request.user.actor, reason=reason))


# -- outbox, reject reports, certificates ----------------------------------------------------------------


def _outbox(request, *, rejects_only: bool):
    from verwerker.intake.queries import list_outbox  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.production.actions.producing import REJECTS_OUTBOX_PREFIX

    items = list_outbox(request.user.client_id).order_by("-created_at")
    return items.filter(name__startswith=REJECTS_OUTBOX_PREFIX) if rejects_only else items


class OutboxList(ClientView):
    @extend_schema(operation_id="outbox_list", responses=out.page_of(out.OutboxSerializer))
    def get(self, request):
        return paginated(self, request, _outbox(request, rejects_only=False), out.OutboxSerializer)


class RejectReportList(ClientView):
    @extend_schema(operation_id="reject_reports_list", responses=out.page_of(out.OutboxSerializer))
    def get(self, request):
        """The reject reports of the client's jobs (in its outbox; download them there)."""
        return paginated(self, request, _outbox(request, rejects_only=True), out.OutboxSerializer)


class OutboxDownload(ClientView):
    @extend_schema(operation_id="outbox_download", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, item_id: int):
        """Download one outbox file (an audited read and download, as in the screens)."""
        # local: same layer or upward, a cycle at the top
        from verwerker.intake.actions import do_record_outbox_download
        from verwerker.vault.actions import read_blob_bytes  # local: same layer or upward, a cycle at the top
        from verwerker.vault.models import ReadPurpose  # local: same layer or upward, a cycle at the top

        item = _outbox(request, rejects_only=False).filter(pk=item_id).first()
        if item is None:
            raise ApiProblem(404, _("No such object."), "not_found")
        data = read_blob_bytes(item.blob_id, actor=request.user.actor, purpose=ReadPurpose.OUTBOX_DOWNLOAD)
        do_record_outbox_download(item, actor=request.user.actor, size=len(data))
        response = HttpResponse(data, content_type="application/pdf" if item.name.endswith(".pdf") else "text/csv")
        response["Content-Disposition"] = f'attachment; filename="{item.name}"'
        return response


class CertificateList(ClientView):
    @extend_schema(operation_id="certificates_list", responses=out.page_of(out.CertificateSerializer))
    def get(self, request):
        from verwerker.retention.queries import list_certificates_for  # local: same layer or upward, a cycle at the top

        return paginated(
            self, request, list_certificates_for(request.user).order_by("-issued_at"), out.CertificateSerializer
        )


class CertificateJSON(ClientView):
    @extend_schema(operation_id="certificates_retrieve", responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request, certificate_id):
        """The certificate's canonical JSON, byte for byte (its SHA-256 is in the audit log)."""
        # local: same layer or upward, a cycle at the top
        from verwerker.retention.queries import access_certificate_for

        cert = access_certificate_for(request.user, certificate_id)
        return HttpResponse(cert.body, content_type="application/json; charset=utf-8")


class CertificatePDF(ClientView):
    @extend_schema(operation_id="certificates_pdf", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, certificate_id):
        """The certificate as a PDF signed by the house (PAdES)."""
        # local: same layer or upward, a cycle at the top
        from verwerker.retention.certificates import render_certificate_pdf

        # local: same layer or upward, a cycle at the top
        from verwerker.retention.queries import access_certificate_for

        cert = access_certificate_for(request.user, certificate_id)
        response = HttpResponse(render_certificate_pdf(cert), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="vernietigingsverklaring-{cert.id}.pdf"'
        return response


# -- data-subject requests -------------------------------------------------------------------------------


class SubjectRequests(ClientView):
    @extend_schema(operation_id="subject_requests_list", responses=out.page_of(out.SubjectRequestSerializer))
    def get(self, request):
        from verwerker.privacy.models import DataSubjectRequest  # local: same layer or upward, a cycle at the top

        return paginated(
            self,
            request,
            DataSubjectRequest.objects.filter(client_id=request.user.client_id),
            out.SubjectRequestSerializer,
        )

    @extend_schema(
        operation_id="subject_requests_create",
        request=out.SubjectRequestInSerializer,
        responses={201: out.SubjectRequestSerializer},
    )
    def post(self, request):
        """Pass on a data subject's request, as the designated contact at whose request the token was issued."""
        # local: same layer or upward, a cycle at the top
        from verwerker.privacy.subject_requests import do_log_subject_request
        from verwerker.privacy.subjects import Criteria  # local: same layer or upward, a cycle at the top

        contact = request.user.token.contact
        if contact is None or not contact.is_designated:
            raise ApiProblem(
                403,
                _(
                    "Only a token issued at the request of the client's designated contact can pass on "
                    "data-subject requests."
                ),
                "not_designated",
            )
        form = out.SubjectRequestInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        criteria = Criteria(
            email=data.get("email", ""), postcode=data.get("postcode", ""), house_number=data.get("house_number", "")
        )
        logged = do_log_subject_request(
            request.user.client, data["kind"], criteria, from_contact=contact, actor=request.user.actor
        )
        return Response(out.SubjectRequestSerializer(logged).data, status=status.HTTP_201_CREATED)


# -- webhooks (a client's own; the house registers its own with a staff token) --------------------------


def _subscriptions(request):
    subs = WebhookSubscription.objects.filter(removed_at__isnull=True)
    if request.user.is_client_user:
        return subs.filter(client_id=request.user.client_id)
    return subs.filter(client__isnull=True)


class WebhookList(APIView):
    @extend_schema(operation_id="webhooks_list", responses=out.page_of(out.WebhookSerializer))
    def get(self, request):
        self._check(request)
        return paginated(self, request, _subscriptions(request), out.WebhookSerializer)

    @extend_schema(
        operation_id="webhooks_create", request=out.WebhookInSerializer, responses={201: out.WebhookCreatedSerializer}
    )
    def post(self, request):
        """Register an endpoint: its signing secret is in this answer only."""
        self._check(request)
        form = out.WebhookInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sub, secret = do_register_webhook(
            url=form.validated_data["url"],
            events=form.validated_data["events"],
            client=request.user.client if request.user.is_client_user else None,
            token=request.user.token,
            actor=request.user.actor,
        )
        return Response({**out.WebhookSerializer(sub).data, "secret": secret}, status=status.HTTP_201_CREATED)

    @staticmethod
    def _check(request):
        user = request.user
        if not (user.is_client_user or user.has_perm("api.manage_webhooks")):
            raise ApiProblem(
                403,
                _("This operation needs a client's token or a staff token with the administrator role."),
                "forbidden",
            )


def _subscription(request, webhook_id):
    WebhookList._check(request)
    sub = _subscriptions(request).filter(pk=webhook_id).first()
    if sub is None:
        raise ApiProblem(404, _("No such object."), "not_found")
    return sub


class WebhookDetail(APIView):
    def _get(self, request, webhook_id):
        return _subscription(request, webhook_id)

    @extend_schema(operation_id="webhooks_retrieve", responses=out.WebhookSerializer)
    def get(self, request, webhook_id):
        return Response(out.WebhookSerializer(self._get(request, webhook_id)).data)

    @extend_schema(operation_id="webhooks_destroy", responses={204: None})
    def delete(self, request, webhook_id):
        do_remove_webhook(self._get(request, webhook_id), actor=request.user.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveries(APIView):
    @extend_schema(operation_id="webhooks_deliveries", responses=out.page_of(out.DeliverySerializer))
    def get(self, request, webhook_id):
        """The endpoint's deliveries with their last responses, newest first."""
        sub = _subscription(request, webhook_id)
        return paginated(self, request, sub.deliveries.all(), out.DeliverySerializer)


class WhoAmI(s.Serializer):
    kind = s.CharField()
    client = s.IntegerField(allow_null=True)
    prefix = s.CharField()
    roles = s.ListField(child=s.CharField())
    expires_at = s.DateTimeField()


class Ping(APIView):
    """Who the token is (and that it works)."""

    @extend_schema(operation_id="whoami", responses=WhoAmI)
    def get(self, request):
        token = request.user.token
        return Response(
            WhoAmI(
                {
                    "kind": token.kind,
                    "client": token.client_id,
                    "prefix": token.prefix,
                    "roles": token.roles,
                    "expires_at": token.expires_at,
                }
            ).data
        )
