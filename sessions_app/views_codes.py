"""The student's page to bind their 学信网采集码 before the capture day (upload or camera)."""

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.decorators import role_required

from .collection_codes import UPLOAD_MAX_BYTES, CollectionCodeError, bind_collection_code, decode_image
from .models import Identification
from .scope import student_profile

# Room for the CSRF token and the multipart boundaries around the file.
_FORM_OVERHEAD_BYTES = 64 * 1024
_SOURCES = ("upload", "camera", "scan")
# This page alone may use the camera (code_scan.js); every other page keeps it off.
_CAMERA_POLICY = settings.PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


class _LimitedUpload(FileUploadHandler):
    """Stops reading once the file passes the limit, whatever Content-Length claimed."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > UPLOAD_MAX_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large() -> str:
    return _("图片太大（超过 %(mb)s MB）：请上传在学信网保存的采集码原图") % {"mb": UPLOAD_MAX_BYTES // 1024 // 1024}


@csrf_exempt
@role_required("student")
def bind_code(request):
    """csrf_exempt outside so the middleware does not read a huge body before the size check;
    the CSRF check runs inside (Django's documented pattern for views that change upload handlers)."""
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = UPLOAD_MAX_BYTES + _FORM_OVERHEAD_BYTES + 1
        if declared > UPLOAD_MAX_BYTES + _FORM_OVERHEAD_BYTES:
            return _page(request, error=_too_large(), status=413)
        limiter = _LimitedUpload(request)
        request.upload_handlers.insert(0, limiter)
        return _bind_code(request, limiter)
    return _bind_code(request, None)


@csrf_protect
def _bind_code(request, limiter):
    student = student_profile(request.user)
    if student is None or not student.campaign.identifies_by(Identification.COLLECTION_CODE):
        messages.info(request, _("本批次不使用学信网采集码，无需绑定"))
        return redirect("home")
    if request.method != "POST":
        return _page(request, student=student)
    upload = request.FILES.get("image")
    if limiter is not None and limiter.exceeded:
        return _page(request, student=student, error=_too_large(), status=413)
    source = request.POST.get("source") if request.POST.get("source") in _SOURCES else "upload"
    scanned = request.POST.get("payload", "") if source == "scan" else ""
    if upload is None and not scanned:
        return _page(request, student=student, error=_("请选择在学信网保存的采集码图片"), status=400)
    try:
        # The browser read the code itself (code_scan.js): the same payload an image would give.
        payload = scanned or decode_image(upload.read())
        result = bind_collection_code(student=student, payload=payload, actor=request.user, source=source)
    except CollectionCodeError as exc:
        return _page(request, student=student, error=exc.message, status=400)
    if result.unchanged:
        messages.info(request, _("这就是你已绑定的采集码，无需更换"))
    elif result.replaced:
        messages.success(request, _("采集码已更换：采集当天请出示新的采集码"))
    else:
        messages.success(request, _("采集码已绑定：采集当天请在手机上打开学信网采集码，扫码拍照"))
    return redirect("home")


def _page(request, *, student=None, error: str = "", status: int = 200):
    student = student or student_profile(request.user)
    context = {
        "student": student,
        "error": error,
        "bound": bool(student and student.collection_code_hash),
        "limit_mb": UPLOAD_MAX_BYTES // 1024 // 1024,
        "scan_labels": {
            "starting": _("正在打开摄像头……"),
            "scanning": _("请把二维码对准摄像头"),
            "found": _("已识别，正在绑定……"),
            "no_camera": _("无法使用摄像头：请允许浏览器使用摄像头，或改用上方的上传图片"),
        },
    }
    response = render(request, "sessions_app/collection_code.html", context, status=status)
    response["Permissions-Policy"] = _CAMERA_POLICY
    return response
