"""What the retake page tests share: a logged-in client, a request, an upload, the stored files."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from retakes import services
from retakes.models import Channel, Reason


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_request(student, actor, channel=Channel.CENTRAL):
    return services.create_request(student=student, actor=actor, reason=Reason.MISSED_SHOOT, channel=channel)


def upload(data: bytes, name="我的照片.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "retakes"
    return sorted(root.iterdir()) if root.exists() else []


def text(response) -> str:
    return response.content.decode()
