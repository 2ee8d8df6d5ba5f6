"""How nbval compares the chapters' printed figures (conftest.printed_equal): last digits that move with the CPU's vector
unit or thread count pass; anything a reader would call a different result fails."""
from conftest import printed_equal


def test_last_digits_of_optimised_figures_pass():
    stored = "validity ↑             0.75 ± 0.25\ntarget_prob ↑       0.659 ± 0.0996\nl1.5 ↓                5.21 ± 0.186"
    avx512 = "validity ↑             0.75 ± 0.25\ntarget_prob ↑       0.659 ± 0.0992\nl1.5 ↓                 5.2 ± 0.185"
    assert printed_equal(stored, avx512)                      # the case: other digits, other padding
    assert printed_equal("max |diff| 1.2e-07", "max |diff| 8.9e-08")   # residuals at float32 noise
    assert printed_equal("loss 0.5.", "loss 0.501.")          # a number ending a sentence


def test_a_flip_within_the_printed_standard_error_passes():
    stored = "validity ↑   0.344 ± 0.0840   0.656 ± 0.084"
    assert printed_equal(stored, "validity ↑   0.312 ± 0.0820   0.656 ± 0.084")   # one of 32 images on the boundary
    assert not printed_equal(stored, "validity ↑   0.5 ± 0.0880   0.656 ± 0.084")  # two standard errors away
    assert not printed_equal(stored, "validity ↑   0.344 ± 0.12   0.656 ± 0.084")  # the error itself moved 30 %
    assert not printed_equal("0.344 ± 0.084", "0.344 0.084")                       # the ± is text


def test_other_results_fail():
    assert not printed_equal("validity 0.75 ± 0.25", "validity 1 ± 0")          # a sample flipped
    assert not printed_equal("reached 6 of 16", "reached 7 of 16")              # counts are exact
    assert not printed_equal("prediction: Sneaker", "prediction: Sandal")       # words are exact
    assert not printed_equal("target_prob 0.659", "target_prob 0.70")           # 6 % is another figure
    assert not printed_equal("a 1.5 b", "a 1.5")                                # a number missing
    assert not printed_equal("l1.5 5.2", "l2 5.2")                              # names holding digits are text
    assert not printed_equal("version 1.2.3", "version 1.2.4")
