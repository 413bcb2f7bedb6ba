from django.contrib import admin

from rooms.models import Member, Room, Vote


class MemberInline(admin.TabularInline):
    model = Member
    fields = ("user", "joined_at")
    readonly_fields = ("user", "joined_at")
    extra = 0
    can_delete = True


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("code", "host", "guest_can_pause", "votes_to_skip", "song_title", "created_at")
    search_fields = ("code", "host__email")
    list_select_related = ("host",)
    readonly_fields = ("code", "song_id", "song_title", "song_artist", "song_album", "song_started_at")
    fields = ("code", "host", "guest_can_pause", "votes_to_skip", *readonly_fields[1:])
    raw_id_fields = ("host",)
    inlines = [MemberInline]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("room", "member", "song_id", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
