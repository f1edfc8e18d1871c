"""Web pages of the rooms app."""

from django.contrib.auth import views as auth_views
from django.urls import path

from rooms.views import (
    accounts,
    audit_pages,
    booking_pages,
    groups,
    import_pages,
    meetings,
    operator_pages,
    rollout_pages,
)
from rooms.views import booking_tree as booking_tree_views
from rooms.views import operations_pages as operations
from rooms.views.bridge_pages import bridge_detail, bridge_list

urlpatterns = [
    path("", accounts.home, name="home"),
    path("dang-nhap/", accounts.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("quan-tri/nhat-ky/", audit_pages.audit_log, name="audit-log"),
    path("phong-cua-toi/", operator_pages.my_room, name="my-room"),
    path("truc-tiep/", operator_pages.live_boards, name="live-boards"),
    path("truc-tiep/<int:meeting_id>/", operator_pages.live_board, name="live-board"),
    path("lich-hop/", booking_pages.meeting_calendar, name="meeting-calendar"),
    path("lich-hop/dat-lich/", booking_pages.meeting_book, name="meeting-book"),
    path("lich-hop/<int:pk>/", booking_pages.meeting_detail, name="meeting-detail"),
    path("lich-hop/<int:pk>/huy/", booking_pages.meeting_cancel, name="meeting-cancel"),
    path("lich-hop/<int:pk>/doi-lich/", booking_pages.meeting_reschedule, name="meeting-reschedule"),
    path("lich-hop/<int:pk>/thanh-phan/", booking_pages.meeting_delegates, name="meeting-delegates"),
    path("lich-hop/<int:pk>/gui-lai-thu/", meetings.resend_invitations_page, name="meeting-resend-invitations"),
    path("nhom-diem-cau/", groups.group_list, name="endpoint-groups"),
    path("nhom-diem-cau/<int:pk>/xoa/", groups.group_delete, name="endpoint-group-delete"),
    path("diem-cau/", rollout_pages.endpoint_list, name="endpoints-page"),
    path("diem-cau/<int:pk>/", rollout_pages.endpoint_detail, name="endpoint-page"),
    path("diem-cau/<int:pk>/trang-thai/", rollout_pages.endpoint_change_status, name="endpoint-change-status"),
    path("diem-cau/mcu/", bridge_list, name="bridges-page"),
    path("diem-cau/mcu/<int:pk>/", bridge_detail, name="bridge-page"),
    # Operations (approval): days off, department requests, bridge capacity.
    path("ngay-nghi/", operations.holidays_page, name="holidays-page"),
    path("de-nghi-hop/", operations.requests_page, name="meeting-requests"),
    path("de-nghi-hop/nhap-ics/", import_pages.import_requests_page, name="meeting-requests-import"),
    path(
        "de-nghi-hop/<int:pk>/duyet/", operations.request_answer, {"decision": "approve"}, name="meeting-approve-page"
    ),
    path(
        "de-nghi-hop/<int:pk>/tu-choi/", operations.request_answer, {"decision": "reject"}, name="meeting-reject-page"
    ),
    path("mcu/<int:pk>/cong-suat/", operations.capacity_page, name="bridge-capacity-page"),
    # The booking form at national size (natform): one province's part of the tree, the host search.
    path("lich-hop/cay-don-vi/<int:pk>/", booking_tree_views.booking_subtree, name="booking-subtree"),
    path("lich-hop/tim-diem-cau/", booking_tree_views.booking_host_search, name="booking-host-search"),
]
