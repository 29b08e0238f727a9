from knowledge.text import compact, fold, tokens


def test_fold_removes_diacritics_case_and_punctuation() -> None:
    assert fold("Thành phố Hồ Chí Minh") == "thanh pho ho chi minh"
    assert fold("TP.HCM") == "tp hcm"
    assert fold("Bà Rịa–Vũng Tàu") == "ba ria vung tau"


def test_fold_treats_lookalike_d_and_old_tone_placement_alike() -> None:
    assert fold("ÐÀ NẴNG") == fold("Đà Nẵng") == "da nang"
    assert fold("Hoà Bình") == fold("Hòa Bình")
    assert fold("Thuỷ") == fold("Thủy")


def test_compact_and_tokens() -> None:
    assert compact("Hà Nội") == compact("hanoi") == "hanoi"
    assert tokens("  em  đang ở   Bắc Giang!! ") == ["em", "dang", "o", "bac", "giang"]
    assert tokens("") == []
    assert tokens("🙂🙂") == []
