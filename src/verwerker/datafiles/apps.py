from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatafilesConfig(AppConfig):
    name = "verwerker.datafiles"
    verbose_name = _("Data files")

    def ready(self) -> None:
        from verwerker.audit.actors import Actor
        from verwerker.datafiles.actions import do_mark_data_files_purged, record_counts_of_blobs
        from verwerker.retention import certificates, purge

        if record_counts_of_blobs not in certificates.RECORD_COUNTERS:
            certificates.RECORD_COUNTERS.append(record_counts_of_blobs)

        def mark_purged(**kwargs) -> dict:
            return {"data_files_purged": do_mark_data_files_purged(actor=Actor.system("retention"))}

        if not any(getattr(h, "__name__", "") == "mark_purged" for h in purge.AFTER_RUN):
            purge.AFTER_RUN.append(mark_purged)
