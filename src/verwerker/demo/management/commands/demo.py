"""`verwerker demo`: create the demo client, file, template and job (see demo/demo.py)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a demo client with an agreement, SFTP account, synthetic file and template, and release one job."

    def handle(self, *args, **options):
        from verwerker.demo.demo import create_demo  # local: same layer or upward, a cycle at the top

        create_demo(write=self.stdout.write)
