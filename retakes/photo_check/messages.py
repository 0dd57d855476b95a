"""The words of a finding, built from its code and figures when it is shown, in the reader's language.

Each message says first what to do or what is wrong in plain words, then the figures. The functions
take a report.Finding (not imported here: report imports this module lazily, for its properties).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.words import Words


def colour_name(name: str) -> str:
    names = {
        "blue": pgettext("backdrop", "蓝色"),
        "white": pgettext("backdrop", "白色"),
        "red": pgettext("backdrop", "红色"),
        "grey": pgettext("backdrop", "灰色"),
        "black": pgettext("backdrop", "黑色"),
        "yellow": pgettext("backdrop", "黄色"),
        "green": pgettext("backdrop", "绿色"),
        "purple": pgettext("backdrop", "紫色"),
    }
    return names.get(name, pgettext("backdrop", "其他颜色"))


def colour_list(names) -> str:
    return _("或").join(colour_name(n) for n in names)


def size_label(size) -> str:
    if size is None:
        return ""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB"


def _px(value) -> str:
    return f"{value} px"


def _px_range(bounds) -> str:
    return f"{bounds[0]}–{bounds[1]} px"


def _pixels(value) -> str:
    return f"{value[0]}×{value[1]} px" if value else ""


def _rgb(value) -> str:
    return "RGB({},{},{})".format(*value) if value else ""


def _estimate_note(finding) -> str:
    return _("（估计值，仅供参考，不影响检查结果）") if finding.estimated else ""


# --- per code ---------------------------------------------------------------------------


def _not_an_image(f) -> str:
    return {
        "empty": _("文件是空的（0 字节），请重新选择照片文件"),
        "truncated": _("图片文件不完整或已损坏（可能上传或复制时中断），请重新导出照片后上传"),
        "unreadable": _("无法读取文件：请重新选择照片文件"),
    }.get(f.kind, _("不是可以识别的图片文件（可能是改了扩展名的其他文件），请上传 JPEG 照片"))


_PROBLEMS = {
    "not_jpeg": lambda d: _("格式是 %(fmt)s，应为 JPEG（.jpg）") % {"fmt": d.get("format", "")},
    "transparent": lambda d: _("带有透明区域，应为不透明的照片"),
    "cmyk": lambda d: _("色彩模式是 CMYK（印刷用），应为 24 位 RGB 彩色"),
    "grey": lambda d: _("是灰度或黑白图片，应为 24 位 RGB 彩色"),
    "mode": lambda d: _("色彩模式是 %(mode)s，应为 24 位 RGB 彩色") % {"mode": d.get("mode", "")},
}


def _format_label(fmt: str) -> str:
    return {"HEIC": _("HEIC（苹果手机照片格式）")}.get(fmt, fmt)


def _format(f) -> str:
    d = f.data
    if f.kind == "animated":
        values = {"fmt": d.get("format"), "n": d.get("frames")}
        return _("这是一张动图（%(fmt)s，%(n)s 帧），应为单张 JPEG 照片") % values
    if f.kind == "other_format":
        return _("文件格式是 %(fmt)s，应为 JPEG（.jpg）照片，请另存为 JPEG 后上传") % {
            "fmt": _format_label(d.get("format", ""))
        }
    problems = [_PROBLEMS[p](d) for p in d.get("problems", []) if p in _PROBLEMS]
    return _("照片格式不符合要求：%(problems)s") % {"problems": _("；").join(problems)}


def _dimensions(f) -> str:
    d = f.data
    w, h = f.allowed or (0, 0)
    cap = f"{d.get('cap', 0):,}"
    if f.kind == "bomb":
        return _("图片像素过多，超过安全上限 %(cap)s 像素，未解码：标准照片为宽 %(w)s × 高 %(h)s 像素") % {
            "cap": cap,
            "w": w,
            "h": h,
        }
    mw, mh = f.measured or (0, 0)
    if f.kind == "too_many_pixels":
        return _("图片尺寸过大：%(mw)s×%(mh)s 像素，超过安全上限 %(cap)s 像素，未解码；标准为宽 %(w)s × 高 %(h)s") % {
            "mw": mw,
            "mh": mh,
            "cap": cap,
            "w": w,
            "h": h,
        }
    if f.kind == "scaled":
        note = _("其余各项按缩放到 %(w)s×%(h)s 后测量") % {"w": w, "h": h}
    else:
        note = _("不是宽 3 : 高 4 的竖版照片，未检查人像位置和背景")
    return _("尺寸不对：宽 %(mw)s × 高 %(mh)s 像素，应为宽 %(w)s × 高 %(h)s 像素（%(note)s）") % {
        "mw": mw,
        "mh": mh,
        "w": w,
        "h": h,
        "note": note,
    }


def _file_size(f) -> str:
    low, high = f.allowed
    values = {"size": size_label(f.measured), "allowed": f"{size_label(low)}–{size_label(high)}"}
    if f.kind == "small":
        return _("文件太小：%(size)s，应为 %(allowed)s（压缩过度，照片不够清晰），请用更高的 JPEG 质量保存") % values
    return _("文件太大：%(size)s，应为 %(allowed)s，请降低 JPEG 质量后重新保存") % values


def _background_color(f) -> str:
    d = f.data
    values = {
        "name": colour_name(d.get("name", "")),
        "allowed": colour_list(f.allowed or []),
        "rgb": _rgb(f.measured),
        "ref": _rgb(d.get("reference")),
        "d": d.get("distance"),
        "max": d.get("max_distance"),
    }
    if f.kind == "shade":
        tone = _("偏深") if d.get("darker") else _("偏浅")
        values["tone"] = tone
        return (
            _("背景%(tone)s，与标准%(name)s相差太大：测得 %(rgb)s，标准 %(ref)s，相差 %(d)s（应不超过 %(max)s）")
            % values
        )
    return _("背景是%(name)s，应为%(allowed)s：测得 %(rgb)s，标准 %(ref)s，相差 %(d)s（应不超过 %(max)s）") % values


def _background_uneven(f) -> str:
    d = f.data
    values = {"v": f.measured, "max": f.allowed}
    if f.kind == "shadow":
        side, where = d.get("side"), d.get("where")
        places = {
            ("head", "left"): _("头部左侧背景有阴影"),
            ("head", "right"): _("头部右侧背景有阴影"),
            ("shoulders", "left"): _("肩部左侧背景有阴影"),
            ("shoulders", "right"): _("肩部右侧背景有阴影"),
        }
        sides = {"left": _("人像左侧背景有阴影"), "right": _("人像右侧背景有阴影")}
        values["what"] = places.get((where, side)) or sides.get(side) or _("背景上有阴影")
        return _("%(what)s，请调整灯光或离背景远一些（阴影处比其余背景暗 %(v)s，应不超过 %(max)s）") % values
    if f.kind == "gradient":
        values["dir"] = _("左右") if d.get("direction") == "horizontal" else _("上下")
        return _("背景有渐变：%(dir)s深浅相差 %(v)s（应不超过 %(max)s），请使用颜色均匀的纯色背景") % values
    return _("背景有花纹、杂物或噪点：背景亮度波动 %(v)s（应不超过 %(max)s），请使用纯色背景") % values


def _no_face(f) -> str:
    return _("没有检测到人脸：请使用本人正面、免冠、五官清晰、光线均匀的半身照")


def _multiple_faces(f) -> str:
    return ngettext(
        "检测到 %(n)s 张人脸：照片中只能有本人一人", "检测到 %(n)s 张人脸：照片中只能有本人一人", f.measured
    ) % {"n": f.measured}


def _head_top(f) -> str:
    values = {"v": f.measured, "allowed": _px_range(f.allowed), "note": _estimate_note(f)}
    if f.kind == "high":
        return (
            _("头顶离上边缘太近：%(v)s px，应为 %(allowed)s（请把人像下移，头顶上方留出约六分之一的空白）%(note)s")
            % values
        )
    return _("头顶离上边缘太远：%(v)s px，应为 %(allowed)s（人像偏低，请上移人像或裁掉上方空白）%(note)s") % values


def _eye_line(f) -> str:
    values = {"v": f.measured, "allowed": _px_range(f.allowed), "note": _estimate_note(f)}
    if f.kind == "high":
        return _("眼睛位置偏高：距上边缘 %(v)s px，应为 %(allowed)s（请把人像下移）%(note)s") % values
    return _("眼睛位置偏低：距上边缘 %(v)s px，应为 %(allowed)s（请把人像上移）%(note)s") % values


def _face_width(f) -> str:
    values = {"v": f.measured, "allowed": _px_range(f.allowed), "note": _estimate_note(f)}
    if f.kind == "small":
        return _("脸部太窄：两颊之间 %(v)s px，应为 %(allowed)s（请离镜头近一些）%(note)s") % values
    return _("脸部太宽：两颊之间 %(v)s px，应为 %(allowed)s（请离镜头远一些）%(note)s") % values


def _off_centre(f) -> str:
    values = {"v": f.measured, "max": f.allowed, "note": _estimate_note(f)}
    if f.kind == "left":
        return _("人像没有居中：脸部中心偏左 %(v)s px，偏移应不超过 %(max)s px（请把人像右移）%(note)s") % values
    return _("人像没有居中：脸部中心偏右 %(v)s px，偏移应不超过 %(max)s px（请把人像左移）%(note)s") % values


_MESSAGES = {
    "not_an_image": _not_an_image,
    "format": _format,
    "dimensions": _dimensions,
    "file_size": _file_size,
    "background_color": _background_color,
    "background_uneven": _background_uneven,
    "no_face": _no_face,
    "multiple_faces": _multiple_faces,
    "head_top": _head_top,
    "eye_line": _eye_line,
    "face_width": _face_width,
    "off_centre": _off_centre,
}


class _Stored:
    """A stored finding (report.Finding.as_dict) read the way the functions above read a Finding
    (report imports this module, so not the class itself)."""

    def __init__(self, stored) -> None:
        self.code = stored["code"]
        self.kind = stored.get("kind", "")
        self.measured = stored.get("measured")
        self.allowed = stored.get("allowed")
        self.estimated = stored.get("obtained") == "estimated"
        self.data = stored.get("data") or {}


def _from_stored(render):
    # A finding's words from what is stored of it: code, kind and figures.
    return lambda stored: render(_Stored(stored))


def _example(code: str, kind: str = "", measured=None, allowed=None, **data) -> dict:
    return {"code": code, "kind": kind, "measured": measured, "allowed": allowed, "obtained": "measured", "data": data}


FINDINGS = Words(
    {code: _from_stored(render) for code, render in _MESSAGES.items()},
    name="retakes.photo_check findings",
    examples={
        "not_an_image": _example("not_an_image", "truncated"),
        "format": _example("format", "problems", problems=["not_jpeg", "cmyk"], format="PNG"),
        "dimensions": _example("dimensions", "wrong", [500, 600], [480, 640]),
        "file_size": _example("file_size", "small", 10_000, [20_000, 60_000]),
        "background_color": _example(
            "background_color", "colour", [200, 10, 10], ["blue", "white"], name="red", reference=[67, 142, 219]
        ),
        "background_uneven": _example("background_uneven", "gradient", 30, 20, direction="horizontal"),
        "no_face": _example("no_face", "", 0, 1),
        "multiple_faces": _example("multiple_faces", "", 2, 1),
        "head_top": _example("head_top", "high", 10, [40, 90]),
        "eye_line": _example("eye_line", "low", 400, [250, 330]),
        "face_width": _example("face_width", "small", 120, [180, 260]),
        "off_centre": _example("off_centre", "left", 40, 20),
    },
)


def message(finding) -> str:
    return FINDINGS.text(finding.code, finding.as_dict())


# --- the figures, as the list pages show them -----------------------------------------------


def measured_label(f) -> str:
    value = f.measured
    if value is None:
        return ""
    if f.code in ("head_top", "eye_line", "face_width", "off_centre"):
        return _px(value) + (_("（估计）") if f.estimated else "")
    if f.code == "file_size":
        return size_label(value)
    if f.code == "dimensions":
        return _pixels(value)
    if f.code == "background_color":
        return _rgb(value)
    if f.code in ("no_face", "multiple_faces"):
        return ngettext("%(n)s 张人脸", "%(n)s 张人脸", value) % {"n": value}
    return str(value)


def allowed_label(f) -> str:
    value = f.allowed
    if value is None:
        return ""
    if f.code in ("head_top", "eye_line", "face_width"):
        return _px_range(value)
    if f.code == "off_centre":
        return _("偏移不超过 %(max)s px") % {"max": value}
    if f.code == "file_size":
        return f"{size_label(value[0])}–{size_label(value[1])}"
    if f.code == "dimensions":
        return _pixels(value)
    if f.code == "background_color":
        return colour_list(value)
    if f.code == "background_uneven":
        return _("不超过 %(max)s") % {"max": value}
    if f.code in ("no_face", "multiple_faces"):
        return _("1 张人脸")
    return str(value)
