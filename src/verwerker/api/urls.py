from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from verwerker.api import house, views
from verwerker.api.problems import not_found

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's stylesheet draws its icons as data: SVG images: this one page may load those (scripts and
    # styles stay the site's own; the site's policy is unchanged).
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("whoami/", views.Ping.as_view(), name="whoami"),
    path("uploads/", views.UploadList.as_view(), name="uploads"),
    path("uploads/<int:upload_id>/", views.UploadDetail.as_view(), name="upload"),
    path("uploads/<str:name>", views.UploadCreate.as_view(), name="upload_create"),
    path("files/", views.FileList.as_view(), name="files"),
    path("files/<int:file_id>/", views.FileDetail.as_view(), name="file"),
    path("jobs/", views.JobList.as_view(), name="jobs"),
    path("jobs/<int:job_id>/", views.JobDetail.as_view(), name="job"),
    path("jobs/<int:job_id>/proof/", views.ProofDownload.as_view(), name="proof"),
    path("jobs/<int:job_id>/proof/approve/", views.ProofApprove.as_view(), name="proof_approve"),
    path("jobs/<int:job_id>/proof/reject/", views.ProofReject.as_view(), name="proof_reject"),
    path("reject-reports/", views.RejectReportList.as_view(), name="reject_reports"),
    path("outbox/", views.OutboxList.as_view(), name="outbox"),
    path("outbox/<int:item_id>/", views.OutboxDownload.as_view(), name="outbox_file"),
    path("certificates/", views.CertificateList.as_view(), name="certificates"),
    path("certificates/<uuid:certificate_id>/", views.CertificateJSON.as_view(), name="certificate"),
    path("certificates/<uuid:certificate_id>/pdf/", views.CertificatePDF.as_view(), name="certificate_pdf"),
    path("subject-requests/", views.SubjectRequests.as_view(), name="subject_requests"),
    path("webhooks/", views.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<uuid:webhook_id>/", views.WebhookDetail.as_view(), name="webhook"),
    path("webhooks/<uuid:webhook_id>/deliveries/", views.WebhookDeliveries.as_view(), name="webhook_deliveries"),
    path("house/clients/", house.ClientList.as_view(), name="house_clients"),
    path("house/agreements/", house.AgreementList.as_view(), name="house_agreements"),
    path("house/jobs/", house.HouseJobList.as_view(), name="house_jobs"),
    path("house/jobs/<int:job_id>/printed/", house.JobPrinted.as_view(), name="house_job_printed"),
    path("house/files/<int:file_id>/", house.HouseFileDetail.as_view(), name="house_file"),
    path("house/counts/", house.DayCounts.as_view(), name="house_counts"),
    path("house/audit/", house.AuditExport.as_view(), name="house_audit"),
    re_path(r"^.*$", not_found, name="not_found"),
]
