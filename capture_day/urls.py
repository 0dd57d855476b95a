from django.urls import path

from . import views, views_codes, views_shots

# Mounted under /capture/ beside sessions_app.urls: the desk kept its addresses when it moved here.
app_name = "capture_day"
urlpatterns = [
    path("captures/<int:capture_id>/undo/", views.capture_undo, name="capture_undo"),
    path("desk/", views.desk_index, name="desk_index"),
    path("desk/<int:slot_id>/", views.desk, name="desk"),
    path("desk/<int:slot_id>/swipe/", views.desk_swipe, name="desk_swipe"),
    path("desk/<int:slot_id>/counts/", views.desk_counts, name="desk_counts"),
    path("desk/<int:slot_id>/digest/", views.desk_digest, name="desk_digest"),
    path("desk/sw.js", views.desk_worker, name="desk_worker"),
    path("slots/<int:slot_id>/signin/", views.signin_sheet, name="signin_sheet"),
    path("college/classes/", views.class_progress, name="class_progress"),
    path("college/collection-codes/", views_codes.unbound_codes, name="unbound_codes"),
    path("groups/<int:group_id>/shots/", views_shots.shot_list, name="shot_list"),
    path("shots/<int:shot_id>/void/", views_shots.shot_void, name="shot_void"),
    path("shots/<int:shot_id>/requeue/", views_shots.shot_requeue, name="shot_requeue"),
]
