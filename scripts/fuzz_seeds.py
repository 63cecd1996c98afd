#!/usr/bin/env python3
"""Small valid files that seed the reader fuzz targets (scripts/fuzz.sh): pure Python, no numpy.

usage: fuzz_seeds.py TARGET FOLDER   (TARGET: idx, cifar, png, npy, safetensors)
"""
import gzip, json, struct, sys, zlib

def idx():
    imgs = struct.pack(">IIII", 0x803, 3, 4, 5) + bytes(range(60))
    labs = struct.pack(">II", 0x801, 3) + bytes([0, 1, 1])
    return {"images.idx": imgs, "labels.idx": labs, "images.idx.gz": gzip.compress(imgs),
            "labels.idx.gz": gzip.compress(labs)}

def cifar():
    rec10 = bytes([3]) + bytes((i * 7) % 256 for i in range(3072))
    rec100 = bytes([1, 42]) + bytes((i * 5) % 256 for i in range(3072))
    # The fuzz target reads the first byte as the layout switch: even CIFAR-10, odd CIFAR-100.
    return {"c10": b"\x00" + rec10 * 2, "c100": b"\x01" + rec100 * 2}

def png_file(w, h, color_type, channels, bit_depth=8):
    rows = b"".join(b"\x00" + bytes((x * 31 + y * 17 + c) % 256 for x in range(w) for c in range(channels))
                    for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

def png():
    return {"grey.png": png_file(5, 4, 0, 1), "rgb.png": png_file(3, 3, 2, 3), "rgba.png": png_file(2, 6, 6, 4),
            "ga.png": png_file(4, 2, 4, 2)}

def npy_file(descr, shape, data, version=1):
    shape_text = "()" if not shape else "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    header = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)).encode()
    pre = 10 if version == 1 else 12
    total = (pre + len(header) + 1 + 63) // 64 * 64
    header += b" " * (total - pre - len(header) - 1) + b"\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header + data

def npy():
    return {"f4.npy": npy_file("<f4", [2, 3], struct.pack("<6f", *range(6))),
            "f8.npy": npy_file("<f8", [3], struct.pack("<3d", 1.5, -2, 3)),
            "u1.npy": npy_file("|u1", [4], bytes([0, 1, 2, 255])),
            "i8v2.npy": npy_file("<i8", [2], struct.pack("<2q", -1, 7), version=2),
            "scalar.npy": npy_file("<f4", [], struct.pack("<f", 3.25))}

def safetensors():
    def st(entries, meta=None):
        header, data, off = {}, b"", 0
        if meta: header["__metadata__"] = meta
        for name, dtype, shape, raw in entries:
            header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
            data += raw; off += len(raw)
        h = json.dumps(header).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        return struct.pack("<Q", len(h)) + h + data
    return {"f32.safetensors": st([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                                   ("b", "F32", [2], struct.pack("<2f", 0.5, -1))], {"kind": "mlp"}),
            "mixed.safetensors": st([("h", "F16", [2], struct.pack("<2H", 0x3C00, 0xC000)),
                                     ("i", "I64", [1], struct.pack("<q", 9)), ("u", "U8", [3], bytes([1, 2, 3]))])}

if __name__ == "__main__":
    target, folder = sys.argv[1], sys.argv[2]
    for name, data in globals()[target]().items():
        with open(f"{folder}/{name}", "wb") as f:
            f.write(data)
