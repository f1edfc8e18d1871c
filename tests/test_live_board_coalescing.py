"""The outbox: a burst of check-ins in one meeting becomes few notices, sent only after commit."""

import pytest
from django.db import transaction

from rooms import broadcast
from rooms.broadcast import Outbox


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def an_outbox():
    sent: list[tuple[int, set[int] | None]] = []
    due: list = []
    clock = Clock()
    outbox = Outbox(
        lambda meeting, endpoints: sent.append((meeting, endpoints)),
        clock=clock,
        later=lambda delay, call: due.append((delay, call)),
    )
    return outbox, sent, due, clock


def test_the_first_notice_goes_out_at_once_and_the_window_is_merged_into_one():
    outbox, sent, due, clock = an_outbox()
    outbox.post(7, [1])
    clock.now += 0.05
    outbox.post(7, [2])
    outbox.post(7, [3, 2])
    assert sent == [(7, {1})]
    assert len(due) == 1 and due[0][0] == pytest.approx(0.10)
    clock.now += 0.10
    due[0][1]()
    assert sent == [(7, {1}), (7, {2, 3})]


def test_a_notice_naming_no_rooms_makes_the_merged_notice_read_everything():
    outbox, sent, due, _clock = an_outbox()
    outbox.post(7, [1])
    outbox.post(7, [2])
    outbox.post(7, None)
    due[0][1]()
    assert sent == [(7, {1}), (7, None)]


def test_meetings_are_coalesced_separately_and_a_quiet_meeting_sends_at_once():
    outbox, sent, due, clock = an_outbox()
    outbox.post(7, [1])
    outbox.post(8, [5])
    clock.now += 0.2
    outbox.post(7, [2])
    assert sent == [(7, {1}), (8, {5}), (7, {2})]
    assert due == []


@pytest.mark.django_db
def test_the_outbox_sends_nothing_when_the_transaction_rolls_back(monkeypatch, django_capture_on_commit_callbacks):
    outbox, sent, due, _clock = an_outbox()
    monkeypatch.setattr(broadcast, "outbox", outbox)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transaction.on_commit(lambda: broadcast.broadcast_attendance_changed(7, endpoints=[1]))
        raise RuntimeError("the check-in failed")
    assert callbacks == [] and sent == [] and due == []
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(lambda: broadcast.broadcast_attendance_changed(7, endpoints=[1]))
    assert sent == [(7, {1})]
