"""What the notice tells a student to do for each retake channel, with the campaign's addresses."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from sessions_app.models import Campaign

from .models import Channel
from .photo_check.config import load_config

if TYPE_CHECKING:  # a development dependency: the checker's name for a lazy translation
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class Instructions:
    title: "str | StrPromise"  # a channel's label, put into words when shown
    steps: list[str]
    hand_in: list[str]


def channel_instructions(*, channel: str, campaign: Campaign) -> Instructions:
    """What the notice tells a student to do for each retake channel; addresses come from the campaign."""
    cfg = load_config()
    hand_in_paper = [_("纸质照片交给辅导员"), _("电子照片在本系统提交（或交给辅导员上传）")]
    if channel == Channel.CENTRAL:
        address = campaign.retake_centre_address or _("（地址待教务处公布，请留意通知）")
        return Instructions(
            title=Channel.CENTRAL.label,
            steps=[
                _("参加全省高校毕业生学历证书图像信息集中补拍。"),
                _("地址：%(address)s") % {"address": address},
                _("请携带二代身份证。"),
            ],
            hand_in=[_("电子照片在本系统提交（或交给辅导员上传）")],
        )
    if channel == Channel.LOCAL_XINHUA:
        return Instructions(
            title=Channel.LOCAL_XINHUA.label,
            steps=[
                _("到实习所在地的新华社图像采集点采集，注意只能去新华社采集。"),
                _("采集后及时把照片的纸质版和电子版交给辅导员。"),
            ],
            hand_in=hand_in_paper,
        )
    if channel == Channel.PROXY:
        return Instructions(
            title=Channel.PROXY.label,
            steps=[
                _("可委托他人携带你的电子照片到新华社采集中心代为办理。"),
                _(
                    "电子照片要求：蓝色背景，宽 %(w)s × 高 %(h)s 像素的 JPEG；头部不要过大或过小；"
                    "头顶上方留出约六分之一的空白。"
                )
                % {"w": cfg.width, "h": cfg.height},
            ],
            hand_in=[_("电子照片在本系统提交（或交给辅导员上传）")],
        )
    name = campaign.online_channel_name or _("（公众号名称待教务处公布）")
    return Instructions(
        title=Channel.ONLINE.label,
        steps=[
            _("微信搜索公众号“%(name)s”进行线上采集。") % {"name": name},
            _("提交的照片要高清、纯色背景、半身照，不要过度修饰。"),
            _("采集后把照片的纸质版和电子版交给辅导员。"),
        ],
        hand_in=hand_in_paper,
    )
