"""The browser checks of scripts/screenshots.py find what they claim to: a page with every fault is
caught (text wider than its box, a page wider than the phone, a small tap target, grey on white),
and a clean page passes."""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
screenshots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(screenshots)

FRAME = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; width: 375px; font: 16px sans-serif; }} wx-view {{ display: block; }}
wx-page {{ display: block; background: #f5f5f5; }} .card {{ background: #ffffff; padding: 12px; }}
</style></head><body><div class="frame"><wx-page><main>{body}</main></wx-page></div></body></html>"""

BAD = """
<wx-view class="card"><wx-view class="main--title" style="width: 120px; overflow: hidden; white-space: nowrap;
  text-overflow: ellipsis">党课：学习贯彻党的二十届三中全会精神</wx-view></wx-view>
<wx-view class="card"><wx-view class="main--wide" style="width: 500px">这一行比手机还宽</wx-view></wx-view>
<wx-view class="card"><wx-view class="main--link" data-tap="onClear" style="display: inline-block">清除</wx-view></wx-view>
<wx-view class="card"><wx-view class="main--muted" style="color: #bbbbbb">浅灰色的提示文字</wx-view></wx-view>
<wx-view class="card"><wx-input class="main--venue" style="display: block; width: 100px; height: 44px; overflow: hidden;
  white-space: nowrap"><span class="wx-input__placeholder" style="color: #666666">如：党群服务中心二楼多功能室</span></wx-input></wx-view>
<wx-view class="card"><wx-view class="main--notes" style="width: 120px; height: 24px; overflow: hidden">请提前十分钟到岗并穿好红马甲</wx-view></wx-view>
"""

GOOD = """
<wx-view class="card"><wx-view class="main--title">党课：学习贯彻党的二十届三中全会精神</wx-view></wx-view>
<wx-view class="card"><wx-view class="main--link" data-tap="onClear"
  style="display: inline-block; min-width: 44px; min-height: 44px; color: #c8161d">清除</wx-view></wx-view>
<wx-view class="card"><wx-view class="main--muted" style="color: #666666">提示文字</wx-view></wx-view>
<wx-view class="card"><wx-view class="main--tab" data-tap="toggle" style="height: 50px; color: #222222">
  <wx-view class="main--icon" data-tap="onTap" style="display: inline-block; width: 24px; height: 24px">活</wx-view> 活动</wx-view></wx-view>
<wx-view class="card"><wx-input class="main--venue" style="display: block; width: 100px; height: 44px; overflow: hidden;
  white-space: nowrap"><span class="wx-input__value">海珠社区党群服务中心三楼会议室</span></wx-input></wx-view>
<wx-view class="card"><wx-view class="main--button" style="height: 44px; line-height: 48px; overflow: hidden">签到</wx-view></wx-view>
"""


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    if not os.path.exists(screenshots.CHROMIUM):
        pytest.fail(f"Chromium not found at {screenshots.CHROMIUM}: scripts/test installs it (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("html")
    (folder / "bad.html").write_text(FRAME.format(body=BAD), encoding="utf-8")
    (folder / "good.html").write_text(FRAME.format(body=GOOD), encoding="utf-8")
    return screenshots.check_files(sorted(folder.glob("*.html")))


def keys(items, check):
    return [screenshots.offender_key(i) for i in items if i["check"] == check]


def test_clipped_text_and_a_page_wider_than_the_phone_are_overflow(checked):
    found = keys(checked["bad"], "overflow")
    assert any("main--title" in k for k in found), found
    assert "overflow page" in found
    assert any("main--wide" in k for k in found), found
    assert any("main--venue" in k for k in found), found  # a placeholder cut off
    assert any("main--notes" in k for k in found), found  # a second line hidden under the first


def test_a_line_box_taller_than_its_box_is_not_cut_off_while_the_glyphs_fit(checked):
    assert "main--button" not in " ".join(keys(checked["good"], "overflow"))


def test_a_typed_value_may_scroll_inside_its_input_and_a_small_icon_inside_a_tab_is_covered(checked):
    assert checked["good"] == []


def test_a_tap_target_under_44px_is_reported_with_its_text(checked):
    found = [i for i in checked["bad"] if i["check"] == "touch-target"]
    assert [(screenshots.offender_key(i), i["text"]) for i in found] == [
        ("touch-target wx-view.card > wx-view.main--link", "清除")
    ]


def test_light_grey_text_on_white_fails_contrast(checked):
    found = [i for i in checked["bad"] if i["check"] == "contrast"]
    assert [i["text"] for i in found] == ["浅灰色的提示文字"]
    assert found[0]["detail"].startswith("1.")


def test_a_clean_page_has_no_offender(checked):
    assert checked["good"] == []


def test_known_offenders_are_printed_and_only_new_ones_fail(capsys):
    item = {"check": "contrast", "target": "wx-view.main--muted", "text": "提示", "detail": "2.0:1"}
    failing, found = screenshots.report({"pages-mine": [item]}, {screenshots.offender_key(item)}, strict=False)
    assert failing == [] and found == {screenshots.offender_key(item)}
    assert "known offenders (tolerated): 1" in capsys.readouterr().out
    failing, _ = screenshots.report({"pages-mine": [item]}, {screenshots.offender_key(item)}, strict=True)
    assert failing == [screenshots.offender_key(item)]
