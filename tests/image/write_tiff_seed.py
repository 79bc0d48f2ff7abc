#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the TIFF seed of the image-decoder fuzzer: a 4x2 8-bit grey image, uncompressed, one strip.
Made here rather than committed, so the repository holds no image files of this kind."""
import struct
import sys

WIDTH, HEIGHT = 4, 2
pixels = bytes(range(WIDTH * HEIGHT))
entries = [  # tag, type (3 SHORT, 4 LONG), value
    (256, 3, WIDTH), (257, 3, HEIGHT), (258, 3, 8), (259, 3, 1), (262, 3, 1),
    (273, 4, None), (277, 3, 1), (278, 3, HEIGHT), (279, 4, len(pixels)),
]
pixel_offset = 8 + 2 + 12 * len(entries) + 4
ifd = struct.pack("<H", len(entries))
for tag, kind, value in entries:
    ifd += struct.pack("<HHII", tag, kind, 1, pixel_offset if value is None else value)
ifd += struct.pack("<I", 0)
with open(sys.argv[1], "wb") as out:
    out.write(b"II*\0" + struct.pack("<I", 8) + ifd + pixels)
