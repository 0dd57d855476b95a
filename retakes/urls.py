from django.urls import path

from . import views, views_batch

app_name = "retakes"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new_request, name="new"),
    path("self-check/", views.self_check, name="self_check"),
    path("export.xlsx", views.export, name="export"),
    path("batch/", views_batch.batch_import, name="batch_import"),
    path("photos/export/", views_batch.photo_export, name="photo_export"),
    path("photos/<int:pk>/", views.photo_file, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photo/", views.upload_photo, name="upload"),
    path("<int:pk>/paper/", views.record_paper, name="paper"),
    path("<int:pk>/paper/undo/", views.undo_paper, name="undo_paper"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
