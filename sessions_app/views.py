# Placeholder pages; the role views are being built (issue 2, item 7).
from django.http import HttpResponse

from accounts.decorators import role_required, staff_required


@staff_required
def staff_overview(request):
    return HttpResponse("staff")


@role_required("coordinator")
def college_overview(request):
    return HttpResponse("college")


@role_required("counselor")
def counselor_students(request):
    return HttpResponse("counselor")


@role_required("operator")
def desk_index(request):
    return HttpResponse("desk")
