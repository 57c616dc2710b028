from django.urls import path

from verwerker.production import views

app_name = "production"
urlpatterns = [
    path("bestanden/", views.incoming, name="incoming"),
    path("bestanden/<int:data_file_id>/", views.data_file_detail, name="data_file"),
    path("bestanden/<int:data_file_id>/soort/", views.override_kind, name="override_kind"),
    path("bestanden/<int:data_file_id>/opdracht/", views.draft_job, name="draft_job"),
    path("opdrachten/", views.job_list, name="jobs"),
    path("opdrachten/<int:job_id>/", views.job_detail, name="job"),
    path("opdrachten/<int:job_id>/voortgang/", views.job_progress, name="job_progress"),
    path("opdrachten/<int:job_id>/uitvoer/<int:output_id>/", views.job_output, name="job_output"),
    path("opdrachten/<int:job_id>/proefpagina/", views.proof, name="proof"),
    path("opdrachten/<int:job_id>/proefpagina/paginas.png", views.proof_sheet, name="proof_sheet"),
    path("sjablonen/<int:template_id>/voorbeeld.png", views.template_sample, name="template_sample"),
    path("bestanden/<int:data_file_id>/afwijzingen/", views.rejects_preview, name="rejects_preview"),
    path("opdrachten/<int:job_id>/<slug:step>/", views.job_step, name="job_step"),
    path("drukkerij/", views.print_queues, name="print_queue"),
    path("drukstations/", views.print_stations, name="stations"),
    path("drukkerij/<int:job_id>/", views.print_job, name="print_job"),
    path("drukkerij/<int:job_id>/bederf/", views.record_spoilage, name="record_spoilage"),
    path("drukkerij/<int:job_id>/gedrukt/", views.confirm_printed, name="confirm_printed"),
    path("onderaannemer/", views.subprocessor_jobs, name="subprocessor"),
    path("onderaannemer/<int:job_id>/geproduceerd/", views.subprocessor_confirm, name="subprocessor_confirm"),
    path("bewaartermijnen/", views.retention_overview, name="retention"),
    path("mijn/", views.client_overview, name="client"),
    path("mijn/opdrachten/<int:job_id>/proef/", views.client_proof, name="client_proof"),
    path("mijn/opdrachten/<int:job_id>/proef/besluit/", views.client_proof_decision, name="client_proof_decision"),
    path("mijn/uitvoer/<int:item_id>/", views.client_outbox_file, name="client_outbox_file"),
]
