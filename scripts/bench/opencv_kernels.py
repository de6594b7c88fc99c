#!/usr/bin/python3
"""OpenCV reference for `swaptalk bench kernels`.

The bench writes the inputs (raw 8-bit images and a JSON case list) into a work folder, runs this
script with Debian's /usr/bin/python3 (python3-opencv 4.6), and reads one JSON object from stdout:
per case the median and minimum time in milliseconds, and the path of the output it wrote so the
bench can compare pixels. Timing: single-threaded by default (cv2.setNumThreads(1)), the same clock
discipline as the engine side (warm-up of at least W calls and S seconds, then N timed calls).
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np


def load(work, spec):
    shape = (spec["height"], spec["width"], spec["channels"]) if spec["channels"] > 1 else (spec["height"], spec["width"])
    data = np.fromfile(os.path.join(work, spec["file"]), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise SystemExit(f"{spec['file']}: {data.size} bytes, expected {shape}")
    return data.reshape(shape)


WARMUP_SECONDS = 0.5


def timed(fn, iterations, warmup):
    # the same warm-up rule as the engine side: at least `warmup` calls and WARMUP_SECONDS
    started = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - started < WARMUP_SECONDS:
        fn()
        done += 1
    samples = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    samples.sort()
    return {"median_ms": samples[len(samples) // 2], "min_ms": samples[0]}


def warp_case(work, case, it, warmup):
    frame = load(work, case["frame"])
    m = np.array(case["frame_to_crop"], dtype=np.float64).reshape(2, 3)
    size = case["crop_size"]
    out = np.empty((size, size, 3), np.uint8)

    def run():
        cv2.warpAffine(frame, m, (size, size), dst=out, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    result = timed(run, it, warmup)
    result["variant"] = "warpAffine INTER_LINEAR"
    run()
    return result, out


def paste_variants(frame0, crop, mask, m, box):
    """The same paste-back two ways with OpenCV; the faster is the reference."""
    x, y, w, h = box
    # crop -> bbox coordinates
    mb = m.copy()
    mb[0, 2] -= x
    mb[1, 2] -= y
    warped = np.empty((h, w, 3), np.uint8)
    alpha = np.empty((h, w), np.uint8)
    alpha_f = np.empty((h, w), np.float32)
    inv_f = np.empty((h, w), np.float32)
    mask_f = mask.astype(np.float32) * (1.0 / 255.0)
    a3 = np.empty((h, w, 3), np.uint8)
    ia3 = np.empty((h, w, 3), np.uint8)
    fg = np.empty((h, w, 3), np.uint8)
    bg = np.empty((h, w, 3), np.uint8)

    def blend_linear(frame):
        # float mask warped with the crop; cv2.blendLinear mixes with per-pixel float weights
        cv2.warpAffine(crop, mb, (w, h), dst=warped, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        cv2.warpAffine(mask_f, mb, (w, h), dst=alpha_f, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        cv2.subtract(1.0, alpha_f, dst=inv_f)
        roi = frame[y:y + h, x:x + w]
        roi[...] = cv2.blendLinear(warped, roi, alpha_f, inv_f)

    def multiply_add(frame):
        # 8-bit mask; out = crop * a / 255 + frame * (255 - a) / 255 with saturating 8-bit ops
        cv2.warpAffine(crop, mb, (w, h), dst=warped, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        cv2.warpAffine(mask, mb, (w, h), dst=alpha, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        cv2.merge((alpha, alpha, alpha), dst=a3)
        cv2.bitwise_not(a3, dst=ia3)
        roi = frame[y:y + h, x:x + w]
        cv2.multiply(warped, a3, dst=fg, scale=1.0 / 255.0)
        cv2.multiply(roi, ia3, dst=bg, scale=1.0 / 255.0)
        cv2.add(fg, bg, dst=roi)

    return {"warpAffine x2 + blendLinear": blend_linear, "warpAffine x2 + multiply/add": multiply_add}


def paste_case(work, case, it, warmup):
    frame0 = load(work, case["frame"])
    crop = load(work, case["crop"])
    mask = load(work, case["mask"])
    m = np.array(case["crop_to_frame"], dtype=np.float64).reshape(2, 3)
    box = case["box"]
    best = None
    for name, fn in paste_variants(frame0, crop, mask, m, box).items():
        frame = frame0.copy()
        result = timed(lambda: fn(frame), it, warmup)
        result["variant"] = name
        if best is None or result["median_ms"] < best["median_ms"]:
            best = result
            out = frame0.copy()
            fn(out)
            best_out = out
    return best, best_out


def resize_case(work, case, it, warmup):
    frame = load(work, case["frame"])
    w, h = case["width"], case["height"]
    out = np.empty((h, w, 3), np.uint8)
    interp = cv2.INTER_AREA if case["mode"] == "area" else cv2.INTER_LINEAR

    def run():
        cv2.resize(frame, (w, h), dst=out, interpolation=interp)

    result = timed(run, it, warmup)
    result["variant"] = "resize " + ("INTER_AREA" if case["mode"] == "area" else "INTER_LINEAR")
    return result, out


def blur_case(work, case, it, warmup):
    mask = load(work, case["mask"])
    out = np.empty_like(mask)
    sigma = case["sigma"]
    k = case["kernel"]

    def run():
        cv2.GaussianBlur(mask, (k, k), sigma, dst=out, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)

    result = timed(run, it, warmup)
    result["variant"] = f"GaussianBlur {k}x{k}"
    return result, out


def nchw_case(work, case, it, warmup):
    crop = load(work, case["crop"])
    scale, bias = case["scale"], case["bias"]
    # blobFromImage computes (x - mean) * scalefactor; bias = -mean * scale
    mean = -bias / scale

    def run():
        return cv2.dnn.blobFromImage(crop, scalefactor=scale, mean=(mean, mean, mean), swapRB=case["swap_rb"])

    result = timed(run, it, warmup)
    result["variant"] = "dnn.blobFromImage"
    return result, run()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--warmup-seconds", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    global WARMUP_SECONDS
    WARMUP_SECONDS = args.warmup_seconds
    cv2.setNumThreads(args.threads)
    with open(os.path.join(args.work, "cases.json")) as f:
        cases = json.load(f)
    results = {"opencv": cv2.__version__, "threads": cv2.getNumThreads(), "cases": {}}
    runners = {"warp": warp_case, "paste": paste_case, "resize": resize_case, "blur": blur_case, "nchw": nchw_case}
    for index, case in enumerate(cases):
        timing, out = runners[case["kind"]](args.work, case, args.iterations, args.warmup)
        path = os.path.join(args.work, f"opencv_case{index}.out")
        np.ascontiguousarray(out).tofile(path)
        timing["output"] = path
        results["cases"][case["name"]] = timing
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
