"""Prove that every lot's balance equals the sum of its ledger: exit 1 naming the lots if not."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from stock.services import stock_check


class Command(BaseCommand):
    help = "Check that each lot's stock on hand equals the sum of its movements."

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = stock_check()
        if mismatches:
            for m in mismatches:
                self.stderr.write(f"lot #{m.lot_id}: on hand {m.on_hand}, ledger {m.ledger}")
            raise CommandError(f"{len(mismatches)} lot(s) differ from their ledger.")
        self.stdout.write("Every lot's stock on hand equals its ledger.")
