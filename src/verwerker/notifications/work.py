"""What waits for each person: the sections of their home page and the count in the header.

Every read goes through the owning app's queries.py (and its scoping helper): this module only puts
them together per role. A person with several roles gets each role's section.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from verwerker.accounts.roles import Role

SHOWN = 10  # rows per list on the home page; the full list is one click away


def roles_of(user) -> set[str]:
    if not user.is_authenticated or not user.is_staff:
        return set()
    return set(user.groups.values_list("name", flat=True))


def home_sections(user) -> dict:
    """The work of each of the user's roles, for the home page (lists cut at SHOWN, with their totals)."""
    from verwerker.clients.queries import agreements_ending  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.datafiles.queries import files_near_retention, files_waiting
    from verwerker.intake.queries import clients_without_sftp_account  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.queries import open_notice_deadlines, open_subject_requests
    from verwerker.production.queries import (  # local: same layer or upward, a cycle at the top
        failed_jobs,
        jobs_at_stations,
        jobs_awaiting_second_approval,
        station_queues,
    )

    roles = roles_of(user)
    sections: dict = {"roles": roles}
    if Role.DATABASE in roles:
        waiting = files_waiting(user)
        approvals = jobs_awaiting_second_approval(user)
        failed = failed_jobs(user)
        sections["database"] = {
            "files": list(waiting[:SHOWN]), "files_total": waiting.count(),
            "approvals": list(approvals[:SHOWN]), "approvals_total": approvals.count(),
            "failed": list(failed[:SHOWN]), "failed_total": failed.count(),
        }
    if Role.PRINT in roles:
        jobs = list(jobs_at_stations()[:200])
        stations = [(s, [j for j in jobs if j.station_id == s.pk]) for s in station_queues()]
        sections["print"] = {"stations": stations}
    if Role.RELATION in roles:
        ending = agreements_ending()
        sftp = clients_without_sftp_account()
        sections["relation"] = {"ending": list(ending[:SHOWN]), "ending_total": ending.count(),
                                "sftp": list(sftp[:SHOWN]), "sftp_total": sftp.count()}
    if Role.PRIVACY in roles:
        requests = open_subject_requests()
        today = timezone.localdate()
        rows = list(requests[:SHOWN])
        for r in rows:
            r.days_left = (r.due_on - today).days
        sections["privacy"] = {
            "clocks": open_notice_deadlines(), "requests": rows, "requests_total": requests.count(),
            "retention": files_near_retention(user)[:SHOWN],
        }
    return sections


def client_sections(user) -> dict:
    """A client user's proofs to approve, reports to download, certificates and breach notices."""
    from verwerker.intake.queries import reports_for_client  # local: same layer or upward, a cycle at the top
    from verwerker.privacy.queries import breach_notices_for_client  # local: same layer or upward, a cycle at the top
    from verwerker.production.queries import proofs_to_approve  # local: same layer or upward, a cycle at the top
    from verwerker.retention.queries import list_certificates_for  # local: same layer or upward, a cycle at the top

    return {
        "proofs": list(proofs_to_approve(user)[:SHOWN]),
        "reports": list(reports_for_client(user.client_id)[:SHOWN]),
        "certificates": list(list_certificates_for(user)[:SHOWN]),
        "notices": list(breach_notices_for_client(user.client_id)[:SHOWN]),
    }


def count_waiting(user) -> int:
    """One number for the header: the things waiting for this person's roles (a count query per part)."""
    from verwerker.clients.queries import agreements_ending  # local: same layer or upward, a cycle at the top
    from verwerker.datafiles.queries import files_waiting  # local: same layer or upward, a cycle at the top
    from verwerker.intake.queries import clients_without_sftp_account  # local: same layer or upward, a cycle at the top

    # local: same layer or upward, a cycle at the top
    from verwerker.privacy.queries import count_open_notices, open_subject_requests
    from verwerker.production.queries import (  # local: same layer or upward, a cycle at the top
        failed_jobs,
        jobs_at_stations,
        jobs_awaiting_second_approval,
        proofs_to_approve,
    )

    if user.is_client_user:
        return proofs_to_approve(user).count()
    roles = roles_of(user)
    total = 0
    if Role.DATABASE in roles:
        total += files_waiting(user).count() + jobs_awaiting_second_approval(user).count() + failed_jobs(user).count()
    if Role.PRINT in roles:
        total += jobs_at_stations().count()
    if Role.RELATION in roles:
        total += agreements_ending().count() + clients_without_sftp_account().count()
    if Role.PRIVACY in roles:
        soon = timezone.localdate() + dt.timedelta(days=7)
        total += count_open_notices() + open_subject_requests().filter(due_on__lte=soon).count()
    return total
