"""The English translation: key labels, language negotiation on real pages, and a complete catalogue."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from customers.tiers import AssetTier, CorporateClass, MaintenanceBand, ValueSegment

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%%|\{\w*\}")


def parse_po(path: Path) -> list[dict]:
    """A tiny .po reader (polib is not a runtime dependency): one dict per entry, header included.

    Keys are the field names (msgid, msgid_plural, msgstr, msgstr[0], …) with their unescaped,
    concatenated strings, plus "flags" (the set from the `#,` comment lines).
    """
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    field = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    entries = parse_po(PO_FILE)
    assert entries[0]["msgid"] == ""  # the header
    return entries[1:]


# --- key labels ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("资产等级", "Asset tier"),
        ("价值分群", "Value segment"),
        ("维护层级", "Maintenance band"),
        ("客户", "Customers"),
        ("我的客户", "My customers"),
        ("客户交接", "Customer handover"),
        ("交往记录", "Contact log"),
        ("月结", "Month close"),
        ("规则版本", "Rule version"),
        ("月日均金融资产", "Average daily AUM"),
        ("企业规模", "Company size"),
        ("存款类别", "Deposit class"),
    ],
)
def test_key_labels_translate_to_english(chinese, english):
    with translation.override("en"):
        assert translation.gettext(chinese) == english
    with translation.override("zh-hans"):
        assert translation.gettext(chinese) == chinese


def test_choice_labels_translate_to_english():
    with translation.override("en"):
        assert [str(label) for label in AssetTier.labels] == ["Regular", "Gold", "Platinum", "Diamond"]
        assert [str(label) for label in ValueSegment.labels] == ["VIP", "Potential", "Mass", "Negative"]
        assert [str(label) for label in MaintenanceBand.labels] == ["Wealth centre", "Wealth", "Adopted",
                                                                    "Staff-maintained"]
        assert [str(label) for label in CorporateClass.labels] == ["Strategic", "Premium", "Effective",
                                                                   "Nurturing", "Adjusting"]
    with translation.override("zh-hans"):
        assert str(AssetTier.GOLD.label) == "金卡"


def test_placeholders_and_plurals_work_in_english():
    with translation.override("en"):
        assert translation.gettext("已授权 %(user)s 访问该客户。") % {"user": "rm_a1"} == (
            "rm_a1 has been granted access to this customer."
        )
        message = "发现 %(n)s 处错误，未写入任何数据。请修改文件后重新上传。"
        assert translation.ngettext(message, message, 1) % {"n": 1} == (
            "Found 1 error; nothing was written. Please correct the file and upload it again."
        )
        assert translation.ngettext(message, message, 3) % {"n": 3} == (
            "Found 3 errors; nothing was written. Please correct the file and upload it again."
        )


# --- language negotiation on real pages --------------------------------------------------------------------


def test_login_page_in_english_with_language_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Staff login" in page and "Password" in page and "Log in" in page
    assert "员工登录" not in page and "密码" not in page


def test_login_page_in_english_with_cookie_even_if_browser_prefers_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login"), headers={"accept-language": "zh-CN,zh;q=0.9"}).content.decode()
    assert "Staff login" in page and "Username" in page
    assert "员工登录" not in page


def test_browser_accept_language_alone_keeps_chinese(client, db):
    """Chinese first: only the language switch (its cookie) picks English, not the browser's Accept-Language."""
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    page = response.content.decode()
    assert "员工登录" in page and "Staff login" not in page
    assert response["Content-Language"] == "zh-hans"


def test_language_switch_sets_english(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("login")).content.decode()
    assert "Staff login" in page


@pytest.mark.parametrize(
    "how",
    [{"headers": {"accept-language": "zh-hans"}}, {"cookie": "zh-hans"}, {}],
    ids=["accept-language", "cookie", "default"],
)
def test_login_page_in_chinese(client, db, how):
    if "cookie" in how:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = how["cookie"]
    page = client.get(reverse("login"), headers=how.get("headers", {})).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "员工登录" in page and "密码" in page
    assert "Staff login" not in page


def test_customer_list_in_english(client, rm_a1):
    client.force_login(rm_a1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("customers:list")).content.decode()
    assert "<title>My customers · Bank CRM</title>" in page
    assert "Differentiated customer management" in page
    assert "Customers: 0" in page and "No matching customers." in page
    assert "我的客户" not in page


# --- the catalogue is complete ------------------------------------------------------------------------------


def test_every_msgid_has_an_english_translation(po_entries):
    assert len(po_entries) > 600
    untranslated = [entry["msgid"] for entry in po_entries if not all(t.strip() for t in translations(entry))]
    assert untranslated == []
    fuzzy = [entry["msgid"] for entry in po_entries if "fuzzy" in entry["flags"]]
    assert fuzzy == []


def test_no_empty_msgstr_line_in_po_file():
    """The plain-text check: an empty msgstr not continued on the next line (the header excluded)."""
    text = PO_FILE.read_text(encoding="utf-8") + "\n"
    empty = re.findall(r'^msgstr(?:\[\d+\])? ""\n(?!")', text, flags=re.M)
    assert empty == []  # the header's empty msgstr is followed by its "Project-Id-Version: …" lines


def test_placeholders_are_kept(po_entries):
    wrong = []
    for entry in po_entries:
        if "python-format" not in entry["flags"]:
            continue
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for value in translations(entry):
            if sorted(PLACEHOLDER.findall(value)) != expected:
                wrong.append((entry["msgid"], value))
    assert wrong == []


def test_compiled_catalogue_matches_the_po_file(po_entries):
    """The committed .mo holds every translation of the .po (i.e. compilemessages was run after editing)."""
    with MO_FILE.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    stale = []
    for entry in po_entries:
        # gettext keys a message with a context as "context\x04msgid"
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            for n in range(2):
                if catalog.get((key, n)) != entry[f"msgstr[{n}]"]:
                    stale.append(entry["msgid"])
        elif catalog.get(key) != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == []
