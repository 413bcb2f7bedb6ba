"""Re-encrypts every stored secret under the first key of FIELD_ENCRYPTION_KEYS.

Every `EncryptedTextField` and `EncryptedSecretField` of every model is read as stored (raw
ciphertext), in primary-key batches, each committed on its own; a value already under the first
key is left alone, so the command can be interrupted and run again. It reports what it changed.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Field, Model

from core import crypto

ENCRYPTED_FIELDS = (crypto.EncryptedTextField, crypto.EncryptedSecretField)


def encrypted_fields() -> list[tuple[type[Model], list[Field]]]:
    found = []
    for model in apps.get_models():
        fields: list[Field] = [
            field for field in model._meta.concrete_fields if isinstance(field, ENCRYPTED_FIELDS)
        ]
        if fields:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the first FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        total_rows = total_values = failures = 0
        for model, fields in encrypted_fields():
            rows, values, failed = self._rotate_model(model, fields, batch_size=batch_size, dry_run=dry_run)
            total_rows += rows
            total_values += values
            failures += failed
            self.stdout.write(
                f"{model._meta.label}: {rows} rows re-encrypted ({values} values), {failed} unreadable"
            )
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"Done: {verb} {total_rows} rows ({total_values} values)."))
        if failures:
            raise CommandError(
                f"{failures} values could not be decrypted with any configured key; "
                "they were left as they are."
            )

    def _rotate_model(self, model, fields, *, batch_size: int, dry_run: bool) -> tuple[int, int, int]:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk_column = quote(model._meta.pk.column)
        columns = ", ".join(quote(field.column) for field in fields)
        rows_changed = values_changed = failed = 0
        last_pk = None
        while True:
            with transaction.atomic():
                where = f"WHERE {pk_column} > %s " if last_pk is not None else ""
                sql = f"SELECT {pk_column}, {columns} FROM {table} {where}ORDER BY {pk_column} LIMIT %s"  # noqa: S608 - identifiers quoted, values bound
                with connection.cursor() as cursor:
                    cursor.execute(sql, [last_pk, batch_size] if last_pk is not None else [batch_size])
                    batch = cursor.fetchall()
                if not batch:
                    break
                last_pk = batch[-1][0]
                for pk, *stored in batch:
                    changes = {}
                    for field, value in zip(fields, stored, strict=True):
                        if not value or crypto.is_current(value):
                            continue
                        try:
                            plaintext = crypto.decrypt(value)
                        except crypto.DecryptionError:
                            failed += 1
                            self.stderr.write(f"{model._meta.label} #{pk}: {field.name} is unreadable")
                            continue
                        # Both field kinds store what `update()` prepares: the explicit kind takes
                        # ciphertext, the transparent kind encrypts the plaintext itself.
                        changes[field.name] = (
                            plaintext
                            if isinstance(field, crypto.EncryptedSecretField)
                            else crypto.encrypt(plaintext)
                        )
                    if changes:
                        rows_changed += 1
                        values_changed += len(changes)
                        if not dry_run:
                            model._default_manager.filter(pk=pk).update(**changes)
        return rows_changed, values_changed, failed
