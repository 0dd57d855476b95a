from django.urls import path

from . import views, views_campaigns, views_codes, views_dashboard

app_name = "sessions_app"
urlpatterns = [
    path("staff/", views.staff_overview, name="staff_overview"),
    path("staff/campaigns/new/", views_campaigns.clone, name="campaign_clone"),
    path("campaign/switch/", views_campaigns.switch, name="switch_campaign"),
    path("college/", views.college_overview, name="college_overview"),
    path("college/counts/", views.college_counts, name="college_counts"),
    path("live/", views_dashboard.live_dashboard, name="live_dashboard"),
    path("live/data/", views_dashboard.live_data, name="live_data"),
    path("counselor/", views.counselor_students, name="counselor_students"),
    path("students/<int:student_id>/", views.student_detail, name="student_detail"),
    path("students/<int:student_id>/slot/", views.student_override, name="student_override"),
    path("export/<slug:name>/", views.export, name="export"),
    path("me/collection-code/", views_codes.bind_code, name="bind_code"),
]
