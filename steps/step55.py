"""Step 55: the geometry of a convolution.

What it teaches: a convolution slides a KH x KW kernel over an H x W input, moving SH / SW
pixels at a time, after padding the input with PH / PW zeros on each side. The number of
positions it stops at along one axis is

    OH = (H + 2 * PH - KH) // SH + 1

`dezero.utils.get_conv_outsize(H, KH, SH, PH)` computes it. The script checks the formula
against a direct count of the window positions for several settings.

Where it simplifies: nothing; this uses the final package.
"""
from dezero.utils import get_conv_outsize


def count_positions(size, kernel, stride, pad):
    """Count the window starts that keep the kernel inside the padded input."""
    return len(range(0, size + 2 * pad - kernel + 1, stride))


def main():
    H, W = 4, 4  # input size
    KH, KW = 3, 3  # kernel size
    SH, SW = 1, 1  # stride
    PH, PW = 1, 1  # padding
    OH = get_conv_outsize(H, KH, SH, PH)
    OW = get_conv_outsize(W, KW, SW, PW)
    print(f'input {H}x{W}, kernel {KH}x{KW}, stride {SH}, pad {PH} -> output {OH}x{OW}')

    print(' size kernel stride pad | outsize  counted')
    for size, kernel, stride, pad in [(4, 3, 1, 1), (7, 3, 1, 0), (7, 3, 2, 0), (28, 5, 1, 2),
                                      (224, 3, 1, 1), (224, 7, 2, 3), (8, 2, 2, 0)]:
        out = get_conv_outsize(size, kernel, stride, pad)
        counted = count_positions(size, kernel, stride, pad)
        assert out == counted
        print(f'{size:5d} {kernel:6d} {stride:6d} {pad:3d} | {out:7d} {counted:8d}')


if __name__ == '__main__':
    main()
