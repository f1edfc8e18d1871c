"""What the commands that import a CSV file share: reading the file, and turning a refused import
into a CommandError (each bad row written out first, so the user can fix them all at once)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, OutputWrapper

from rooms.services.csv_files import RowErrors
from vconf.exceptions import validation_lines


def read_file(name: str) -> bytes:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"{name}: no such file")
    return path.read_bytes()


@contextmanager
def import_refusals(stderr: OutputWrapper) -> Iterator[None]:
    try:
        yield
    except RowErrors as error:
        for line in error.as_lines():
            stderr.write(line)
        raise CommandError(f"{len(error.rows)} bad rows: nothing was imported") from None
    except ValidationError as error:
        raise CommandError(" ".join(validation_lines(error))) from None
