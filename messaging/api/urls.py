"""Seed 003's messages, mounted under /api/: `messages/…` and `users/{id}/messages/…`."""

from django.urls import path

from messaging.api import views

urlpatterns = [
    path("messages/", views.MessageListCreateView.as_view(), name="message-list"),
    path("messages/unread-count/", views.UnreadCountView.as_view(), name="message-unread-count"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="message-detail"),
    path("messages/<int:pk>/read/", views.MessageReadView.as_view(), name="message-read"),
    path("users/<int:pk>/messages/", views.ConversationView.as_view(), name="conversation"),
    path("users/<int:pk>/messages/read/", views.ConversationReadView.as_view(), name="conversation-read"),
]
