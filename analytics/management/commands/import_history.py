"""`manage.py import_history FILE.csv`: backfill past meetings with head counts (analytics/history.py)."""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.history import import_history_csv
from rooms.services.csv_files import RowErrors
from vconf.exceptions import Conflict, validation_messages


class Command(BaseCommand):
    help = "Import past meetings with per-endpoint head counts from a CSV file. All rows or none; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="CSV: meeting_ref,title,start,end,host_endpoint,endpoint,attendees[,structure]"
        )
        parser.add_argument(
            "--organizer", default=None, help="username recorded as organizer (default: the first superuser)"
        )

    def handle(self, *args: object, file: str, organizer: str | None = None, **options: object) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file: {file} không tồn tại")
        users = User.objects.filter(username=organizer) if organizer else User.objects.filter(is_superuser=True)
        user = users.order_by("pk").first()
        if user is None:
            raise CommandError("--organizer: không có người dùng này (hoặc chưa có quản trị viên nào)")
        try:
            result = import_history_csv(data=path.read_bytes(), by=user)
        except RowErrors as error:
            raise CommandError("\n".join([f"{file}: không nhập dòng nào.", *error.as_lines()])) from None
        except ValidationError as error:
            messages = [f"{k}: {' '.join(v)}" for k, v in validation_messages(error).items()]
            raise CommandError("\n".join(messages)) from None
        except Conflict as error:
            raise CommandError(error.detail) from None
        summary = result.as_dict()
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary['meetings']} cuộc họp, {summary['participations']} lượt điểm cầu, "
                f"{summary['checkins']} bản ghi điểm danh; bỏ qua {summary['skipped_meetings']} cuộc họp đã nhập."
            )
        )
