from decimal import Decimal

from crm.money import format_amount, format_wan


def test_amounts_have_two_decimals_and_thousands_separators():
    assert format_amount(Decimal("12345678.9")) == "12,345,678.90"
    assert format_amount(Decimal("0.005")) == "0.01"


def test_wan_and_yi_for_large_amounts():
    assert format_wan(Decimal("9999.99")) == "9,999.99"
    assert format_wan(Decimal("10000")) == "1.00万"
    assert format_wan(Decimal("12345678")) == "1,234.57万"
    assert format_wan(Decimal("320000000")) == "3.20亿"



def test_english_uses_k_m_b_instead_of_wan_and_yi():
    from django.utils import translation

    with translation.override("en"):
        assert format_wan(Decimal("9999.99")) == "9,999.99"
        assert format_wan(Decimal("12345678")) == "12.35M"
        assert format_wan(Decimal("320000000")) == "320.00M"
        assert format_wan(Decimal("45000")) == "45.00K"
