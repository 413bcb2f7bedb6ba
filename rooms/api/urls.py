from django.urls import path

from rooms.api import views

urlpatterns = [
    path("rooms/", views.RoomCreateView.as_view(), name="room-create"),
    path("rooms/mine/", views.MyRoomView.as_view(), name="room-mine"),
    path("rooms/<str:code>/", views.RoomDetailView.as_view(), name="room-detail"),
    path("rooms/<str:code>/join/", views.RoomJoinView.as_view(), name="room-join"),
    path("rooms/<str:code>/leave/", views.RoomLeaveView.as_view(), name="room-leave"),
    path("rooms/<str:code>/current-song/", views.CurrentSongView.as_view(), name="room-current-song"),
    path("rooms/<str:code>/pause/", views.PauseView.as_view(), name="room-pause"),
    path("rooms/<str:code>/play/", views.PlayView.as_view(), name="room-play"),
    path("rooms/<str:code>/skip/", views.SkipView.as_view(), name="room-skip"),
]
