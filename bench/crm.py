"""CRM mailing selection (P03): the time to compute and record a mailing's selection.

    python -m bench crm [--people 5000] [--runs 3]

``people`` people with a holding newsletter consent, one in fifty on a Postfilter list (in the
production engine's format); each run computes the selection from the consents, runs production's
normalisation and suppression over it and records the recipient rows (the consent snapshot).
Fresh database: SQLite in a throw-away data directory, or PostgreSQL when VERWERKER_DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.audit import _drop, _prepare_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    handle = _prepare_database()
    from bench.common import django_setup, peak_rss_mib, report

    django_setup()
    from django.core.management import call_command
    from django.utils import timezone

    from verwerker.audit.actors import Actor
    from verwerker.crm.actions import do_create_mailing, do_import_suppression_list, do_select_mailing
    from verwerker.crm.models import Consent, Person, Purpose

    try:
        call_command("migrate", verbosity=0)
        actor = Actor.system("bench")
        purpose = Purpose.objects.get(code="nieuwsbrief")
        Person.objects.bulk_create([
            Person(initials="A.", last_name=f"Naam{i}", street="Dorpsweg", house_number=str(i % 300 + 1),
                   postcode="2345 CD", city="Leiden") for i in range(args.people)
        ], batch_size=2000)
        now = timezone.now()
        Consent.objects.bulk_create([
            Consent(person_id=pk, purpose=purpose, text_shown="Ja", method="phone", given_at=now, recorded_by="bench")
            for pk in Person.objects.values_list("pk", flat=True)
        ], batch_size=2000)
        rows = "Voorletters;Achternaam;Straat;Huisnummer;Postcode;Plaats\n" + "".join(
            f"A.;Naam{i};Dorpsweg;{i % 300 + 1};2345CD;Leiden\n" for i in range(0, args.people, 50))
        do_import_suppression_list(rows.encode(), file_name="postfilter.csv", name="Postfilter", kind="postfilter",
                                   mapping={"Voorletters": "initials", "Achternaam": "last_name", "Straat": "street",
                                            "Huisnummer": "house_number", "Postcode": "postcode", "Plaats": "city"},
                                   actor=actor)
        seconds, chosen = [], 0
        for run in range(args.runs):
            mailing = do_create_mailing(name=f"bench {run}", purpose=purpose, channel="letter", actor=actor)
            start = time.perf_counter()
            selection = do_select_mailing(mailing, actor=actor)
            seconds.append(time.perf_counter() - start)
            chosen = len(selection.chosen)
        report("crm selection", people=args.people, chosen=chosen, seconds=statistics.median(seconds),
               per_second=args.people / statistics.median(seconds), peak_rss_mib=peak_rss_mib())
    finally:
        _drop(handle)


if __name__ == "__main__":
    main()
