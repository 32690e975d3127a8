app_name = "tracker-api"
urlpatterns = []
