"""DeliveryResolutionError is raised by its code and worded when read (notifications.refusals)."""

from django.utils import translation

from notifications.services import DeliveryResolutionError


def test_delivery_resolution_error_is_worded_in_the_reader_s_language():
    error = DeliveryResolutionError.of("not_unknown")
    with translation.override("zh-hans"):
        assert error.message == "这条消息的发送结果已经确定，无需处理。"
    with translation.override("en"):
        assert str(error) == "This message's outcome is already settled; nothing to do."
