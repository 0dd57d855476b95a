# Roster import pages (staff). Owned by the roster-import work.
app_name = "roster"
urlpatterns: list = []
