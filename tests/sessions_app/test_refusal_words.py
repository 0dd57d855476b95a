"""Each of this app's refusals is raised by its code and worded when read, in the reader's
language (sessions_app.refusals): the same error reads in Chinese and in English."""

import re

from django.utils import translation

from sessions_app.cloning import CloneError
from sessions_app.collection_codes import CollectionCodeError
from sessions_app.roster.counselors import CounselorAccountError
from sessions_app.services import PhaseError, ShotError

CJK = re.compile(r"[\u3400-\u9fff]")


def _both(error) -> tuple[str, str]:
    with translation.override("zh-hans"):
        chinese = error.message
    with translation.override("en"):
        english = str(error)
    assert not CJK.search(english), english
    return chinese, english


def test_clone_error_is_worded_from_its_params():
    chinese, english = _both(CloneError.of("code_taken", code="2027"))
    assert chinese == "批次代码 2027 已被使用，请换一个"
    assert english == "Campaign code 2027 is taken; please choose another"
    chinese, english = _both(CloneError.of("bad_year", year=1, first=2000, last=2100))
    assert chinese == "首个采集日应在 2000 年到 2100 年之间，请检查年份"
    assert "2000" in english and "2100" in english


def test_counselor_account_error_is_worded_from_its_code():
    chinese, english = _both(CounselorAccountError.of("staff_only"))
    assert chinese == "只有教务处可以创建辅导员账号"
    assert english == "Only the Academic Affairs Office can create counselor accounts"


def test_shot_error_is_worded_from_its_params():
    error = ShotError.of("shot_superseded", number=12)
    assert (error.code, error.params) == ("shot_superseded", {"number": 12})
    chinese, english = _both(error)
    assert chinese == "这名学生已有新的拍摄号 12，请处理那个号"
    assert english == "This student already has a newer shot number, 12: act on that one"


def test_phase_error_is_worded_from_its_code():
    assert _both(PhaseError.of("unknown_phase")) == ("没有这个阶段", "No such phase")


def test_collection_code_error_is_worded_from_its_params():
    chinese, english = _both(CollectionCodeError.of("too_large", mb=10))
    assert chinese == "图片太大（超过 10 MB）：请上传在学信网保存的采集码原图"
    assert english.startswith("The image is too large (over 10 MB)")
