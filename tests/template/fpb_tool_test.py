#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# fpb-tool's template commands: match and identify on records with several views (an enrollment
# keeps every press as a view): the best pair of views decides, and a record is one candidate, not
# one per view. And bench duplicate-check runs and reports what BENCHMARKS.md quotes.
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]


def run(*args):
    return subprocess.run([TOOL, *args], check=True, capture_output=True, text=True).stdout


def views_of(record):
    """The finger views of a single-view ISO/IEC 19794-2:2005 record, as raw bytes."""
    assert record[:8] == b"FMR\0 20\0" and record[22] == 1
    return record[24:]


def multi_view_record(singles):
    """One record holding the views of several single-view records of finger 0 (views 0, 1, ...)."""
    header = bytearray(singles[0][:24])
    body = bytearray()
    for number, single in enumerate(singles):
        view = bytearray(views_of(single))
        view[1] = (number << 4) | (view[1] & 0x0F)
        body += view
    header[22] = len(singles)
    header[8:12] = struct.pack(">I", len(header) + len(body))
    return bytes(header + body)


def main():
    with tempfile.TemporaryDirectory() as work:
        run("generate", "--out", work, "--finger", "5", "--impressions", "4")
        run("generate", "--out", work, "--finger", "6", "--impressions", "1")
        singles = []
        for impression in (1, 2, 3):
            out = os.path.join(work, f"press{impression}.iso")
            run("extract", os.path.join(work, f"5_{impression}_good.png"), "-o", out)
            singles.append(open(out, "rb").read())
        gallery = os.path.join(work, "gallery")
        os.mkdir(gallery)
        open(os.path.join(gallery, "enrolled-5.iso"), "wb").write(multi_view_record(singles))
        run("extract", os.path.join(work, "6_1_good.png"), "-o", os.path.join(gallery, "enrolled-6.iso"))
        probe = os.path.join(work, "5_4_good.png")

        each_json = [json.loads(run("match", probe, os.path.join(work, f"press{i}.iso"), "--json")) for i in (1, 2, 3)]
        each = [m["score"] for m in each_json]
        both = json.loads(run("match", probe, os.path.join(gallery, "enrolled-5.iso"), "--json"))
        assert both["score"] == max(each), f"three views score {both['score']}, their best alone {max(each)}"
        assert max(each) > each[0], f"the first view must not be the best for this check to tell: {each}"
        assert both["match"], both
        assert both["view_pairs"] == 3 and both["threshold"] > each_json[0]["threshold"], (both, each_json[0])

        lines = run("identify", probe, gallery).splitlines()
        ranked = [line.split()[0] for line in lines if re.match(r"^enrolled-", line)]
        assert ranked[0] == "enrolled-5.iso", lines
        assert ranked.count("enrolled-5.iso") == 1, f"a record with three views is one candidate: {lines}"
        assert "4 views searched by 1" in lines[-1], lines[-1]
        score = int(lines[0].split()[1])
        assert score == max(each) and lines[0].endswith("match"), lines
        # The duplicate-check benchmark (tiny: its real runs take minutes).
        new_fingers = os.path.join(work, "new-fingers")
        os.mkdir(new_fingers)
        shutil.copy(os.path.join(work, "5_1_good.png"), os.path.join(new_fingers, "5_1.png"))
        shutil.copy(os.path.join(work, "6_1_good.png"), os.path.join(new_fingers, "6_1.png"))
        report = json.loads(run("bench", "duplicate-check", new_fingers, "--gallery", "300", "--json"))
        assert report["entries"] == 300 and report["new_fingers"] == 2, report
        assert report["threshold"] == 145 and report["told_already_enrolled"] == 0, report
        assert 0 < report["ms_median"] <= report["ms_max"], report
    print("fpb-tool match and identify take the best view, once per record; bench duplicate-check runs")


if __name__ == "__main__":
    main()
