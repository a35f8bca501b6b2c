"""Load the demo network: idempotent, so every run of the app may call it."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.namur.load import demo_load
from demo.namur.open_counter import try_now
from demo.namur.report import logins_print, summary_print, try_now_print


class Command(BaseCommand):
    help = (
        "Load the demo network (idempotent) and print one login per role, then the counter "
        "open now with its volunteer login and cards to try."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development only (COMPTOIR_ENV=production).")
        created, notes = demo_load(today=timezone.localdate())
        if not quiet:
            logins_print(self.stdout, self.style, created)
            summary_print(self.stdout, self.style, notes)
            try_now_print(self.stdout, self.style, try_now())
