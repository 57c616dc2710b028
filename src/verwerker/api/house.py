"""The house endpoints (staff service tokens): clients, agreements, job status per client and station,
counts per day for invoicing, data files (P11-gated like the screens) and the audit export. Each needs the
permission the same screen needs, held by the token's roles and its staff member."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from verwerker.api import serializers as out
from verwerker.api.auth import ConfidentialityGate, StaffToken
from verwerker.api.problems import ApiProblem
from verwerker.api.views import paginated

CLIENT = OpenApiParameter("client", int, OpenApiParameter.QUERY, required=False)
STATION = OpenApiParameter("station", int, OpenApiParameter.QUERY, required=False)
STATE = OpenApiParameter("state", str, OpenApiParameter.QUERY, required=False)
SINCE = OpenApiParameter("since", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False)
UNTIL = OpenApiParameter("until", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False, description="inclusive")


def _int(request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ApiProblem(400, _("%(name)s must be a whole number.") % {"name": name}, "bad_parameter")
    return int(raw)


def _date(request, name: str, default: dt.date) -> dt.date:
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiProblem(400, _("%(name)s must be a date (YYYY-MM-DD).") % {"name": name}, "bad_parameter") from None


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    until = _date(request, "until", today)
    since = _date(request, "since", until - dt.timedelta(days=30))
    if since > until or (until - since).days > 366:
        raise ApiProblem(400, _("Give a period of at most 366 days, since before until."), "bad_period")
    return since, until


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(since, dt.time.min, tzinfo=tz),
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


class HouseView(APIView):
    permission_classes = [StaffToken]
    required_perm: str | None = None


class ClientList(HouseView):
    required_perm = "clients.view_client"

    @extend_schema(operation_id="house_clients_list", responses=out.page_of(out.ClientSerializer))
    def get(self, request):
        from verwerker.clients.queries import list_clients  # local: same layer or upward, a cycle at the top

        return paginated(self, request, list_clients(), out.ClientSerializer)


class AgreementList(HouseView):
    required_perm = "clients.view_agreement"

    @extend_schema(
        operation_id="house_agreements_list", parameters=[CLIENT], responses=out.page_of(out.AgreementSerializer)
    )
    def get(self, request):
        from verwerker.clients.models import Agreement  # local: same layer or upward, a cycle at the top

        agreements = Agreement.objects.order_by("client_id", "-version")
        client = _int(request, "client")
        if client is not None:
            agreements = agreements.filter(client_id=client)
        return paginated(self, request, agreements, out.AgreementSerializer)


class HouseJobList(HouseView):
    required_perm = "production.view_job"
    permission_classes = [StaffToken, ConfidentialityGate]

    @extend_schema(
        operation_id="house_jobs_list", parameters=[CLIENT, STATION, STATE], responses=out.page_of(out.JobSerializer)
    )
    def get(self, request):
        """Job status per client and station."""
        from verwerker.production.queries import jobs_visible_to  # local: same layer or upward, a cycle at the top

        jobs = jobs_visible_to(request.user).order_by("-created_at")
        for field, name in (("client_id", "client"), ("station_id", "station")):
            value = _int(request, name)
            if value is not None:
                jobs = jobs.filter(**{field: value})
        state = request.query_params.get("state", "")
        if state:
            jobs = jobs.filter(state=state[:16])
        return paginated(self, request, jobs, out.JobSerializer)


class HouseFileDetail(HouseView):
    required_perm = "datafiles.view_datafile"
    permission_classes = [StaffToken, ConfidentialityGate]

    @extend_schema(operation_id="house_files_retrieve", responses=out.DataFileSerializer)
    def get(self, request, file_id: int):
        from verwerker.datafiles.queries import access_data_file_for  # local: same layer or upward, a cycle at the top

        return Response(out.DataFileSerializer(access_data_file_for(request.user, file_id)).data)


class JobPrinted(HouseView):
    required_perm = "production.confirm_printing"
    permission_classes = [StaffToken, ConfidentialityGate]

    @extend_schema(operation_id="house_jobs_printed", request=out.PrintedInSerializer, responses=out.JobSerializer)
    def post(self, request, job_id: int):
        """The print room's MIS confirms printing (the screens' action: the job's data is shredded and certified)."""
        from verwerker.production.actions import do_confirm_printed  # local: same layer or upward, a cycle at the top
        from verwerker.production.queries import access_job_for  # local: same layer or upward, a cycle at the top
        from verwerker.production.workflow import StepRefused  # local: same layer or upward, a cycle at the top

        form = out.PrintedInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = access_job_for(request.user, job_id)
        try:
            job = do_confirm_printed(
                job, user=request.user, actor=request.user.actor, pieces=form.validated_data.get("pieces")
            )
        except StepRefused as exc:
            raise ApiProblem(409, str(exc), "step_refused") from None
        return Response(out.JobSerializer(job).data)


class DayCounts(HouseView):
    required_perm = "production.view_job"

    @extend_schema(
        operation_id="house_counts_list", parameters=[CLIENT, SINCE, UNTIL], responses=out.DayCountSerializer(many=True)
    )
    def get(self, request):
        """Per day and client, for invoicing: records received (profiled files), letters out, pages and
        rejects (jobs produced that day). Counts only."""
        from verwerker.datafiles.models import DataFile  # local: same layer or upward, a cycle at the top
        from verwerker.production.models import Job  # local: same layer or upward, a cycle at the top

        since, until = _period(request)
        start, end = _bounds(since, until)
        client = _int(request, "client")
        files = DataFile.objects.filter(profiled_at__gte=start, profiled_at__lt=end)
        jobs = Job.objects.filter(produced_at__gte=start, produced_at__lt=end)
        if client is not None:
            files, jobs = files.filter(client_id=client), jobs.filter(client_id=client)
        rows: dict = {}
        for row in (
            files.annotate(day=TruncDate("profiled_at")).values("day", "client_id").annotate(n=Sum("record_count"))
        ):
            rows.setdefault(
                (row["day"], row["client_id"]), {"records_in": 0, "letters_out": 0, "pages": 0, "rejects": 0}
            )["records_in"] = row["n"] or 0
        for row in (
            jobs.annotate(day=TruncDate("produced_at"))
            .values("day", "client_id")
            .annotate(letters=Sum("records_out"), pages=Sum("pages"), rejects=Sum("rejects"), n=Count("id"))
        ):
            counts = rows.setdefault(
                (row["day"], row["client_id"]), {"records_in": 0, "letters_out": 0, "pages": 0, "rejects": 0}
            )
            counts.update(letters_out=row["letters"] or 0, pages=row["pages"] or 0, rejects=row["rejects"] or 0)
        data = [{"day": day, "client": client_id, **counts} for (day, client_id), counts in sorted(rows.items())]
        return Response(out.DayCountSerializer(data, many=True).data)


class AuditExport(HouseView):
    required_perm = "audit.view_auditevent"

    @extend_schema(
        operation_id="house_audit_export",
        parameters=[
            CLIENT,
            SINCE,
            UNTIL,
            OpenApiParameter("format", str, OpenApiParameter.QUERY, enum=["json", "csv"]),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request):
        """The audit trail with its chain proof (the privacy officer's export; the export itself is audited)."""
        from verwerker.accounts.roles import Role  # local: same layer or upward, a cycle at the top
        from verwerker.audit.actions import do_record_event  # local: same layer or upward, a cycle at the top
        from verwerker.audit.events import EventType  # local: same layer or upward, a cycle at the top
        from verwerker.audit.export import export_csv, export_json  # local: same layer or upward, a cycle at the top
        from verwerker.audit.queries import list_events  # local: same layer or upward, a cycle at the top

        if not request.user.has_role(Role.PRIVACY):
            raise ApiProblem(403, _("Only the privacy officer exports the audit trail."), "forbidden")
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv"):
            raise ApiProblem(400, _("format is json or csv."), "bad_parameter")
        since, until = _period(request)
        start, end = _bounds(since, until)
        client = _int(request, "client")
        events = list_events(client_id=client, since=start, until=end)
        selection = {
            "since": since.isoformat(),
            "until": until.isoformat(),
            **({"client_id": client} if client else {}),
        }
        text = export_json(events, selection=selection) if fmt == "json" else export_csv(events)
        do_record_event(
            EventType.AUDIT_EXPORTED,
            actor=request.user.actor,
            client_id=client,
            details={"format": fmt, "since": selection["since"], "until": selection["until"], "via": "api"},
        )
        return HttpResponse(text, content_type="application/json" if fmt == "json" else "text/csv; charset=utf-8")
