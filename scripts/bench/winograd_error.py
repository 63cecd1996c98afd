"""Error growth of Winograd F(2x2,3x3) against F(4x4,3x3), simulated in float32 with numpy.

rslab implements F(2x2,3x3) only; this script measures what F(4x4,3x3) (Lavin and Gray's
interpolation points 0, ±1, ±2, ∞) would cost in accuracy before anyone implements it. For
each convnet / WRN-28-2 layer shape it prints the error of the forward output relative to a
float64 direct convolution: max |y - y64| / max |y64|, for the direct method in float32 and
for both Winograd variants (transforms and products in float32, channel sums as float32 gemms).
Usage: python scripts/bench/winograd_error.py   (needs numpy)
"""
import numpy as np

F23 = dict(m=2,
           BT=[[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
           G=[[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]],
           AT=[[1, 1, 1, 0], [0, 1, -1, -1]])
F43 = dict(m=4,
           BT=[[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
               [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
           G=[[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
           AT=[[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]])


def direct(x, w, dtype):
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))).astype(dtype)
    cols = np.stack([xp[:, :, ky:ky + h, kx:kx + wd] for ky in range(3) for kx in range(3)], 2)  # n c 9 h w
    cols = cols.reshape(n, c * 9, h * wd)
    return np.einsum('ok,nkp->nop', w.reshape(w.shape[0], -1).astype(dtype), cols).reshape(n, -1, h, wd)


def winograd(x, w, f):
    m, BT, G, AT = f['m'], np.float32(f['BT']), np.float32(f['G']), np.float32(f['AT'])
    a = m + 2
    n, c, h, wd = x.shape
    th, tw = -(-h // m), -(-wd // m)
    xp = np.zeros((n, c, th * m + 2, tw * m + 2), np.float32)
    xp[:, :, 1:h + 1, 1:wd + 1] = x
    tiles = np.stack([np.stack([xp[:, :, ty * m:ty * m + a, tx * m:tx * m + a] for tx in range(tw)], 2)
                      for ty in range(th)], 2)  # n c th tw a a
    V = np.einsum('ij,nctujk,lk->ilnctu', BT, tiles, BT).astype(np.float32)  # a a n c th tw
    U = np.einsum('ij,ocjk,lk->iloc', G, w.astype(np.float32), G).astype(np.float32)  # a a o c
    Vf = V.reshape(a, a, n, c, th * tw).transpose(0, 1, 3, 2, 4).reshape(a, a, c, n * th * tw)
    M = np.matmul(U, Vf).astype(np.float32)  # a a o (n t)
    M = M.reshape(a, a, -1, n, th, tw)
    Y = np.einsum('ij,jkonuv,lk->onuvil', AT, M, AT).astype(np.float32)  # o n th tw m m
    Y = Y.transpose(1, 0, 2, 4, 3, 5).reshape(n, -1, th * m, tw * m)
    return Y[:, :, :h, :wd]


def rel(y, ref):
    return float(np.abs(y - ref).max() / np.abs(ref).max())


rng = np.random.default_rng(0)
print(f"{'layer (N, Cin -> Cout, side)':34} {'direct f32':>11} {'F(2,3)':>11} {'F(4,3)':>11} {'F(4,3)/F(2,3)':>14}")
for n, c, k, side in [(8, 1, 32, 28), (4, 32, 32, 28), (8, 32, 64, 14), (8, 64, 64, 14),
                      (4, 3, 16, 32), (4, 32, 32, 32), (8, 64, 64, 16), (8, 128, 128, 8), (8, 64, 64, 7)]:
    x = rng.standard_normal((n, c, side, side)).astype(np.float32)
    w = (rng.standard_normal((k, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
    ref = direct(x.astype(np.float64), w.astype(np.float64), np.float64)
    e = [rel(direct(x, w, np.float32), ref), rel(winograd(x, w, F23), ref), rel(winograd(x, w, F43), ref)]
    print(f"{f'{n}, {c} -> {k}, {side}x{side}':34} {e[0]:11.2e} {e[1]:11.2e} {e[2]:11.2e} {e[2] / e[1]:14.1f}")
