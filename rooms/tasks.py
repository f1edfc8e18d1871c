"""The worker's tasks (Huey; `python manage.py run_huey` runs them, discovered by this name).

- `tick`: every minute, the readiness ladder's jobs (rooms/jobs.py JOBS).
- `deliver_meeting_mail`: invitations, changes and cancellations, retried with exponential
  backoff (four retries, 1, 1, 2 and 4 minutes after the try before: Huey doubles the delay from
  the second retry on); a failure after the last try stays recorded on the meeting
  (Meeting.invitations_unsent) for staff to see and resend.
- `derive_bridge_legs`: the legs of the call records a bridge delivered (rooms/cdr/tasks.py,
  registered by the import below).
- `deliver_notice_mail`: one readiness message recorded by the tick (rooms/models NoticeMail),
  with the same retries; sent once (sent_at under a row lock), a last failure marks the meeting.
"""

from huey import crontab
from huey.api import Task
from huey.contrib.djhuey import db_periodic_task, db_task

from rooms import jobs
from rooms.cdr import tasks as cdr_tasks  # noqa: F401  (registers rooms.derive_bridge_legs)
from rooms.services import invitations, notice_mail
from vconf import clock

MAIL_RETRIES = 4
MAIL_RETRY_DELAY = 60  # seconds before the first retry, doubled for each one after
MAIL_RETRY_BACKOFF = 2


@db_periodic_task(crontab(), name="rooms.tick")
def tick() -> dict[str, int]:
    return jobs.run_tick(clock.now())


@db_task(
    retries=MAIL_RETRIES,
    retry_delay=MAIL_RETRY_DELAY,
    retry_backoff=MAIL_RETRY_BACKOFF,
    context=True,
    name="rooms.deliver_meeting_mail",
)
def deliver_meeting_mail(
    meeting_ids: list[int], kind: str, removed: dict[int, list[int]] | None = None, task: Task | None = None
) -> int:
    return invitations.deliver(
        meeting_ids=meeting_ids, kind=kind, removed=removed or {}, last_try=task is None or task.retries == 0
    )


@db_task(
    retries=MAIL_RETRIES,
    retry_delay=MAIL_RETRY_DELAY,
    retry_backoff=MAIL_RETRY_BACKOFF,
    context=True,
    name="rooms.deliver_notice_mail",
)
def deliver_notice_mail(mail_id: int, task: Task | None = None) -> bool:
    return notice_mail.deliver(mail_id, last_try=task is None or task.retries == 0)
