"""Re-encrypts every stored secret under the first key of FIELD_ENCRYPTION_KEYS.

Rows go in primary-key batches, each committed on its own, and a value already under the first
key is left alone: the command can be interrupted and run again. It reports what it changed.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core import crypto


def encrypted_fields() -> list[tuple[type, list[str]]]:
    found = []
    for model in apps.get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, crypto.EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the first FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        total_rows = total_values = failures = 0
        for model, names in encrypted_fields():
            label = model._meta.label
            rows, values, failed = self._rotate_model(model, names, batch_size=batch_size, dry_run=dry_run)
            total_rows += rows
            total_values += values
            failures += failed
            self.stdout.write(f"{label}: {rows} rows re-encrypted ({values} values), {failed} unreadable")
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"Done: {verb} {total_rows} rows ({total_values} values)."))
        if failures:
            raise CommandError(
                f"{failures} values could not be decrypted with any configured key; "
                "they were left as they are."
            )

    def _rotate_model(
        self, model, names: list[str], *, batch_size: int, dry_run: bool
    ) -> tuple[int, int, int]:
        rows_changed = values_changed = failed = 0
        last_pk = None
        while True:
            batch_query = model._default_manager.order_by("pk")
            if last_pk is not None:
                batch_query = batch_query.filter(pk__gt=last_pk)
            with transaction.atomic():
                batch = list(batch_query.select_for_update().only("pk", *names)[:batch_size])
                if not batch:
                    break
                last_pk = batch[-1].pk
                changed = []
                for row in batch:
                    touched = False
                    for name in names:
                        value = getattr(row, name)
                        if not value or crypto.is_current(value):
                            continue
                        try:
                            setattr(row, name, crypto.rotate(value))
                        except crypto.DecryptionError:
                            failed += 1
                            self.stderr.write(f"{model._meta.label} #{row.pk}: {name} is unreadable")
                            continue
                        touched = True
                        values_changed += 1
                    if touched:
                        changed.append(row)
                if changed and not dry_run:
                    model._default_manager.bulk_update(changed, names)
                rows_changed += len(changed)
        return rows_changed, values_changed, failed
