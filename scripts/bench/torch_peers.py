"""PyTorch peers for `make bench` (rslab-bench runs this with the venv's Python, 2 threads).

Subcommands (each prints one line ending in `key=value` figures rslab-bench reads):
  step  WIDTH STEPS [compile]   the FixMatch step of ConvNet-S on 28x28x1 (as
                                ../shared/bench/torch_fixmatch_step.py): images/s=
  wrn   STEPS [compile]         the FixMatch step of WRN-28-2 on 32x32x3, batch 64, mu 7: images/s=
  run   DATA_DIR STEPS          the tutorial-03 FixMatch run on Fashion-MNIST with torchvision
                                augmentations and DataLoader workers: seconds=
  loop                          the 1e6-iteration loop with a call, in plain CPython: seconds=
`compile` wraps the model in torch.compile (inductor, CPU; needs a C++ compiler) and does
not time the compilation (the first steps are warm-up).
"""
import sys, time


def loop():
    # The RSL loop of scripts/bench/dsl_loop.rsl, written the same way in Python.
    def f(x):
        return x * 2 + 1
    t = time.perf_counter()
    s = 0
    for i in range(1000000):
        s = s + f(i) % 7
    dt = time.perf_counter() - t
    print(f"python {sys.version.split()[0]} result={s} seconds={dt:.4f}")


if len(sys.argv) > 1 and sys.argv[1] == "loop":
    loop()
    sys.exit(0)

import math, torch, torch.nn as nn, torch.nn.functional as F  # noqa: E402

torch.manual_seed(0)
B, MU, C = 64, 7, 10


def convnet(w, cin=1):
    def block(i, o):
        return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
    return nn.Sequential(*block(cin, w), *block(w, w), nn.MaxPool2d(2), *block(w, 2 * w), *block(2 * w, 2 * w),
                         nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * w, C))


class WRNBlock(nn.Module):
    """Pre-activation block of the FixMatch WRN (BN momentum 0.001, LeakyReLU 0.1)."""
    def __init__(self, i, o, stride, activate_before_residual):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(i, momentum=0.001, eps=0.001)
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(o, momentum=0.001, eps=0.001)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.short = None if i == o else nn.Conv2d(i, o, 1, stride, 0, bias=False)
        self.abr = activate_before_residual

    def forward(self, x):
        a = F.leaky_relu(self.bn1(x), 0.1)
        if self.short is None:
            return x + self.conv2(F.leaky_relu(self.bn2(self.conv1(a)), 0.1))
        src = a if self.abr else x
        return self.short(src) + self.conv2(F.leaky_relu(self.bn2(self.conv1(a if self.abr else x)), 0.1))


def wrn28_2(cin=3):
    widths, n = [16, 32, 64, 128], 4
    layers = [nn.Conv2d(cin, 16, 3, 1, 1, bias=True)]
    for g in range(3):
        for b in range(n):
            i = widths[g] if b == 0 else widths[g + 1]
            layers.append(WRNBlock(i, widths[g + 1], 2 if (b == 0 and g > 0) else 1, g == 0 and b == 0))
    layers += [nn.BatchNorm2d(128, momentum=0.001, eps=0.001), nn.LeakyReLU(0.1), nn.AdaptiveAvgPool2d(1),
               nn.Flatten(), nn.Linear(128, C)]
    return nn.Sequential(*layers)


def fixmatch_loss(logits, yl, tau=0.95):
    ll, lw, ls = logits[:B], logits[B:B + B * MU], logits[B + B * MU:]
    p = torch.softmax(lw.detach(), 1)
    conf, pl = p.max(1)
    mask = (conf >= tau).float()
    return F.cross_entropy(ll, yl) + (F.cross_entropy(ls, pl, reduction='none') * mask).mean()


def step_rate(net, shape, steps, compiled):
    opt = torch.optim.SGD(net.parameters(), lr=0.03, momentum=0.9, nesterov=True, weight_decay=5e-4)
    model = torch.compile(net) if compiled else net
    xl = torch.rand(B, *shape); yl = torch.randint(0, C, (B,))
    uw = torch.rand(B * MU, *shape); us = torch.rand(B * MU, *shape)

    def step():
        loss = fixmatch_loss(model(torch.cat([xl, uw, us])), yl)
        opt.zero_grad(); loss.backward(); opt.step()
    for _ in range(2 if compiled else 1):
        step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    dt = (time.perf_counter() - t) / steps
    mode = "compile" if compiled else "eager"
    print(f"torch {torch.__version__} {mode} threads={torch.get_num_threads()} step={dt * 1000:.0f} ms "
          f"images/s={(B + 2 * B * MU) / dt:.0f}")


# ---- the whole tutorial-03 FixMatch run -------------------------------------------------------

def read_idx(path):
    import gzip, numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, stem):
    import os
    for p in (f"{folder}/{stem}.gz", f"{folder}/{stem}"):
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{folder}/{stem}(.gz)")


def randaugment_ops():
    """FixMatch's RandAugment pool (USB fixmatch_augment_pool), on 8-bit grey PIL images."""
    from PIL import Image, ImageEnhance, ImageOps
    import random
    def shear(img, v, axis):
        m = (1, v, 0, 0, 1, 0) if axis == 0 else (1, 0, 0, v, 1, 0)
        return img.transform(img.size, Image.AFFINE, m, fillcolor=127)
    def translate(img, v, axis):
        d = v * img.size[axis]
        m = (1, 0, d, 0, 1, 0) if axis == 0 else (1, 0, 0, 0, 1, d)
        return img.transform(img.size, Image.AFFINE, m, fillcolor=127)
    return [
        (lambda img, v: ImageOps.autocontrast(img), None),
        (lambda img, v: ImageEnhance.Brightness(img).enhance(v), (0.05, 0.95)),
        (lambda img, v: ImageEnhance.Color(img).enhance(v), (0.05, 0.95)),
        (lambda img, v: ImageEnhance.Contrast(img).enhance(v), (0.05, 0.95)),
        (lambda img, v: ImageOps.equalize(img), None),
        (lambda img, v: img, None),
        (lambda img, v: ImageOps.posterize(img, int(v)), (4, 8)),
        (lambda img, v: img.rotate(v, fillcolor=127), (-30, 30)),
        (lambda img, v: ImageEnhance.Sharpness(img).enhance(v), (0.05, 0.95)),
        (lambda img, v: shear(img, v, 0), (-0.3, 0.3)),
        (lambda img, v: shear(img, v, 1), (-0.3, 0.3)),
        (lambda img, v: ImageOps.solarize(img, int(v)), (0, 256)),
        (lambda img, v: translate(img, v, 0), (-0.3, 0.3)),
        (lambda img, v: translate(img, v, 1), (-0.3, 0.3)),
    ]


class StrongAugment:
    """Two RandAugment ops drawn with replacement at random magnitudes, then Cutout (grey 127)."""
    def __init__(self):
        self.ops = randaugment_ops()

    def __call__(self, img):
        import random
        from PIL import ImageDraw
        for op, rng in random.choices(self.ops, k=2):
            img = op(img, random.uniform(*rng) if rng else None)
        w, h = img.size
        v = random.uniform(0, 0.5) * w
        x0, y0 = random.uniform(0, w), random.uniform(0, h)
        box = (max(0, x0 - v / 2), max(0, y0 - v / 2), min(w, x0 + v / 2), min(h, y0 + v / 2))
        img = img.copy()
        ImageDraw.Draw(img).rectangle(box, fill=127)
        return img


def whole_run(folder, steps, eval_every=50, eval_size=2000, workers=2):
    import copy, numpy as np
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset, RandomSampler
    import torchvision.transforms as T
    t_start = time.perf_counter()
    xtr = read_idx(find(folder, "train-images-idx3-ubyte")); ytr = read_idx(find(folder, "train-labels-idx1-ubyte"))
    xte = read_idx(find(folder, "t10k-images-idx3-ubyte")); yte = read_idx(find(folder, "t10k-labels-idx1-ubyte"))
    rs = np.random.RandomState(0)
    idx = rs.permutation(len(ytr))
    lab = np.concatenate([idx[ytr[idx] == c][:40] for c in range(C)])
    unl = np.setdiff1d(idx, lab)[:20000]
    test = rs.permutation(len(yte))[:eval_size]
    mean, std = xtr[lab].mean() / 255, xtr[lab].std() / 255
    norm = T.Compose([T.ToTensor(), T.Normalize((mean,), (std,))])
    weak = T.Compose([T.RandomHorizontalFlip(), T.RandomCrop(28, padding=3, padding_mode="reflect")])
    strong = T.Compose([weak, StrongAugment()])

    class Labeled(Dataset):
        def __len__(self): return len(lab)
        def __getitem__(self, i):
            return norm(weak(Image.fromarray(xtr[lab[i]]))), int(ytr[lab[i]])

    class Unlabeled(Dataset):
        def __len__(self): return len(unl)
        def __getitem__(self, i):
            img = Image.fromarray(xtr[unl[i]])
            return norm(weak(img)), norm(strong(img))

    lab_loader = DataLoader(Labeled(), batch_size=B, num_workers=workers, drop_last=True,
                            sampler=RandomSampler(Labeled(), replacement=True, num_samples=steps * B),
                            persistent_workers=True)
    unl_loader = DataLoader(Unlabeled(), batch_size=B * MU, num_workers=workers, drop_last=True,
                            sampler=RandomSampler(Unlabeled(), replacement=True, num_samples=steps * B * MU),
                            persistent_workers=True)
    xtest = torch.stack([norm(Image.fromarray(xte[i])) for i in test]); ytest = torch.tensor(yte[test]).long()
    net = convnet(32)
    ema = copy.deepcopy(net)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.SGD(net.parameters(), lr=0.03, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: math.cos(7 * math.pi * k / (16 * steps)))
    accs = []
    for k, ((xl, yl), (uw, us)) in enumerate(zip(lab_loader, unl_loader)):
        net.train()
        loss = fixmatch_loss(net(torch.cat([xl, uw, us])), yl)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        with torch.no_grad():
            for e, p in zip(ema.state_dict().values(), net.state_dict().values()):
                if e.dtype.is_floating_point:
                    e.mul_(0.999).add_(p, alpha=0.001)
                else:
                    e.copy_(p)
        if (k + 1) % eval_every == 0 or k + 1 == steps:
            ema.eval()
            with torch.no_grad():
                acc = sum((ema(xtest[i:i + 500]).argmax(1) == ytest[i:i + 500]).sum().item()
                          for i in range(0, len(ytest), 500)) / len(ytest)
            accs.append(acc)
    dt = time.perf_counter() - t_start
    print(f"torch {torch.__version__} run steps={steps} workers={workers} accuracy={accs[-1]:.4f} seconds={dt:.2f}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    cmd = sys.argv[1] if len(sys.argv) > 1 else "step"
    if cmd == "step":
        step_rate(convnet(int(sys.argv[2])), (1, 28, 28), int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "compile")
    elif cmd == "wrn":
        step_rate(wrn28_2(), (3, 32, 32), int(sys.argv[2]), len(sys.argv) > 3 and sys.argv[3] == "compile")
    elif cmd == "run":
        whole_run(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown subcommand {cmd}")
