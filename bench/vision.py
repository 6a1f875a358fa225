"""KitchenGenie vision: backbone runtimes, per-photo latency, and multi-item recall on composed shelves.

One run measures, side by side on the same inputs and threads:
* the EfficientNet-Lite0 backbone under torch and under onnxruntime (batch 1 and batch 16), and how
  far apart their features are;
* a single-item photo (whole frame only) and a multi-item shelf photo (whole frame + tiles), end to
  end from the JPEG file: decode, regions, backbone, head, merge;
* on composed shelves of val photos (4 distinct ingredients each): recall of the items on the shelf
  (as likely or maybe) and precision of the "likely" list;
* end to end on every val photo, as a user would call it (`recognise(..., multi=False)`, scored per
  photo with `Recognition.by_photo`): fine and coarse top-1 of the top item, and the same photos
  without the head's test-time views, for the accuracy and latency they buy.

    python bench/vision.py                 # ~2 min on 2 cores
    python bench/vision.py --shelves 40 --repeat 15
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from _common import median, summary, timed
from localgenie.config import default_threads, shared_data_dir
from localgenie.vision import recognise
from localgenie.vision.backbone import INPUT_SIZE, FeatureExtractor, get_extractor
from localgenie.vision.head import Head, load_head
from localgenie.vision.labels import Sample, grocery_root, load_classes, load_split
from localgenie.vision.shelves import compose_shelf, random_shelves


def backbone_times(repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    one = rng.uniform(-1, 1, (1, 3, INPUT_SIZE, INPUT_SIZE)).astype(np.float32)
    batch = rng.uniform(-1, 1, (16, 3, INPUT_SIZE, INPUT_SIZE)).astype(np.float32)
    out: dict[str, float] = {}
    features = {}
    for runtime in ("torch", "onnx"):
        load, extractor = timed(lambda: get_extractor(runtime))  # noqa: B023
        extractor(one)  # warm-up
        out[f"{runtime} load s"] = load
        out[f"{runtime} b1 ms/img"] = 1000 * median([timed(lambda: extractor(one))[0] for _ in range(repeat)])  # noqa: B023
        times = [timed(lambda: extractor(batch))[0] / 16 for _ in range(max(2, repeat // 4))]  # noqa: B023
        out[f"{runtime} b16 ms/img"] = 1000 * median(times)
        features[runtime] = extractor(batch)
    out["max |torch - onnx| feature"] = float(np.abs(features["torch"] - features["onnx"]).max())
    return out


def per_photo_top1(head: Head, samples: list[Sample], extractor: FeatureExtractor) -> tuple[float, float]:
    """Fine and coarse top-1 of the top item of each photo, recognised in one call as a user would."""
    result = recognise([s.path for s in samples], multi=False, head=head, extractor=extractor, maybe=0.0)
    fine = coarse = 0
    for sample, (_, items) in zip(samples, result.by_photo(), strict=True):
        top = items[0]
        fine += head.fine.index(top.label) == sample.fine
        coarse += head.coarse.index(top.coarse) == sample.coarse
    return fine / len(samples), coarse / len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per latency figure (median)")
    parser.add_argument("--shelves", type=int, default=20, help="composed shelves for recall/precision")
    args = parser.parse_args()
    shared = shared_data_dir()
    if shared is None or not (shared / "grocery").is_dir():
        sys.exit("needs ../shared/data/grocery (or GENIE_SHARED_DATA)")
    root = grocery_root(shared / "grocery")
    val = load_split(root, "val")
    classes = load_classes(root).fine
    threads = default_threads()
    print(f"threads: {threads}")

    backbone = backbone_times(args.repeat)
    for name, value in backbone.items():
        print(f"backbone {name}: {value:.4g}")

    head = load_head()
    plain = replace(head, tta=("full",))
    extractor = get_extractor("onnx")
    singles = [val[i].path for i in range(0, len(val), max(1, len(val) // args.repeat))][: args.repeat]
    single_times, plain_times = [], []
    for p in singles:  # interleaved, so that a busy machine slows both alike
        single_times.append(timed(lambda p=p: recognise([p], multi=False, head=head, extractor=extractor))[0])
        plain_times.append(timed(lambda p=p: recognise([p], multi=False, head=plain, extractor=extractor))[0])
    end_to_end = {name: per_photo_top1(h, val, extractor) for name, h in (("head", head), ("plain", plain))}

    shelves = random_shelves(val, classes, count=args.shelves, items=4, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        shelf_files = []
        for n, shelf in enumerate(shelves):
            path = Path(tmp) / f"shelf{n}.jpg"
            shelf.image.save(path, quality=90)
            shelf_files.append(path)
        # A phone-sized photo too: 4032×3024 JPEG of a shelf (decoded at reduced scale).
        big = Path(tmp) / "phone.jpg"
        compose_shelf([s.path for s in val[:: len(val) // 6][:6]], cell=1300, gap=60, columns=3).save(
            big, quality=88
        )
        multi_times = []
        found, present, likely_right, likely_all, regions = 0, 0, 0, 0, []
        for path, shelf in zip(shelf_files, shelves, strict=True):
            seconds, result = timed(lambda: recognise([path], head=head, extractor=extractor))  # noqa: B023
            multi_times.append(seconds)
            regions.append(result.regions)
            seen = {f.ingredient for f in result.items}
            likely = {f.ingredient for f in result.likely}
            found += len(seen & shelf.ingredients)
            present += len(shelf.ingredients)
            likely_right += len(likely & shelf.ingredients)
            likely_all += len(likely)
        big_times = [timed(lambda: recognise([big], head=head, extractor=extractor))[0] for _ in range(3)]

    single = median(single_times)
    multi = median(multi_times)
    summary(
        "vision",
        [
            ("backbone torch b1 ms/img", f"{backbone['torch b1 ms/img']:.1f}"),
            ("backbone onnx b1 ms/img", f"{backbone['onnx b1 ms/img']:.1f}"),
            ("backbone torch b16 ms/img", f"{backbone['torch b16 ms/img']:.1f}"),
            ("backbone onnx b16 ms/img", f"{backbone['onnx b16 ms/img']:.1f}"),
            (
                "onnx speed-up over torch (b16)",
                f"{backbone['torch b16 ms/img'] / backbone['onnx b16 ms/img']:.2f}x",
            ),
            ("single-item photo median s", f"{single:.3f}  (test-time views {'+'.join(head.tta)})"),
            (
                "  without test-time views",
                f"{median(plain_times):.3f}  ({single / median(plain_times):.2f}x)",
            ),
            (
                f"val end to end ({len(val)} photos) fine/coarse top-1",
                f"{end_to_end['head'][0]:.1%} / {end_to_end['head'][1]:.1%}",
            ),
            (
                "  without test-time views",
                f"{end_to_end['plain'][0]:.1%} / {end_to_end['plain'][1]:.1%}",
            ),
            (
                "multi-item shelf median s",
                f"{multi:.3f}  ({median([float(r) for r in regions]):.0f} regions; target <= 5 s)",
            ),
            ("4032x3024 phone shelf median s", f"{median(big_times):.3f}"),
            ("multi / single ratio", f"{multi / single:.1f}x"),
            (
                "shelf recall (likely+maybe)",
                f"{found / present:.1%} of {present} items on {len(shelves)} shelves",
            ),
            (
                "shelf precision (likely)",
                f"{likely_right / max(1, likely_all):.1%} of {likely_all} likely items",
            ),
        ],
    )


if __name__ == "__main__":
    main()
