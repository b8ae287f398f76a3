from customers.masking import mask_id_number, mask_mobile


def test_short_identifiers_are_masked_entirely():
    assert mask_id_number("1234") == "****"
    assert mask_id_number("110101199001011234") == "110101********1234"
    assert mask_mobile("13812345678") == "138****5678"
