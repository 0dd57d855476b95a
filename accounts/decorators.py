from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def role_required(*roles: str):
    """Allow users whose role is one of roles; academic staff and superusers always pass."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            user = request.user
            if user.is_academic_staff or user.role in roles:
                return view(request, *args, **kwargs)
            raise PermissionDenied(_("你的角色不能访问此页面"))

        return wrapped

    return decorator


def staff_required(view):
    return role_required()(view)
