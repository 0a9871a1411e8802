#!/usr/bin/env python3
"""Fit the far-talker gate's logistic rule (Sources/AttuneDSP/VoiceActivity/NearFieldGate.swift).

Usage:  python3 Scripts/fit_near_field.py [--attune .build/release/attune] [--material .build-realspeech]

Runs `attune analyze --frames` on the far-talker calls of the real-speech material (built by
Scripts/make_realspeech.py), takes every frame of the TUNE half that the detector called speech
and scored at least the decision's offset threshold (the frames the gate judges),
labels it by the truth (the near talker's own speech or not), and fits a logistic regression of
the label on the gate's three features (belowPeakDb, bandModulationDb, loudnessDb) as the frame
trace reports them. Prints the coefficients to paste into NearFieldGate.weights, and the frame
AUC on the tune and held-out halves. The held-out half (other speakers, AMI far talkers, another
room) is never used to fit.

The features are read from the engine itself, with the gate held open, so the rule is fitted on
every frame it will have to judge. (The loudness feature compares a frame with the channel's loud
speech, which the open gate measures with far frames among it: the shipped gate, which keeps them
out, reads loudness a little lower. Its weight is small, 0.14 per dB.)
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

FEATURES = ["belowPeakDb", "bandModulationDb", "loudnessDb"]
OFFSET_DB = 1.5  # voiceActivity.offsetThresholdDb


def frames(segments, n):
    flags = np.zeros(n, bool)
    for start, end in segments:
        flags[int(round(start * 100)):int(round(end * 100))] = True
    return flags


def auc(scores, labels):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attune", default=os.path.join(repo, ".build/release/attune"))
    parser.add_argument("--material", default=os.path.join(repo, ".build-realspeech"))
    args = parser.parse_args()
    subprocess.run([sys.executable, os.path.join(repo, "Scripts/make_realspeech.py"), "--quiet", "--out", args.material], check=True)
    data = {"tune": ([], []), "heldOut": ([], [])}
    with tempfile.TemporaryDirectory() as tmp:
        for truth_path in sorted(glob.glob(os.path.join(args.material, "far", "*.truth.json"))):
            truth = json.load(open(truth_path))
            audio = os.path.join(os.path.dirname(truth_path), truth["audio"]["files"][0])
            trace = os.path.join(tmp, "frames.csv")
            # The gate held open (a probability floor no frame misses), so that every frame the
            # rest of the detector calls speech is there to learn from.
            subprocess.run([args.attune, "analyze", audio, "--no-scores", "--frames", trace,
                            "--set", "voiceActivity.nearFieldMinimumProbability=0.000001"], check=True, stdout=subprocess.DEVNULL)
            rows = list(csv.DictReader(open(trace)))
            for party in ("advisor", "customer"):
                mine = [r for r in rows if r["party"] == party]
                # Judged frames: called speech, and scoring at least the decision's offset
                # threshold (the gate does not judge lower frames: they cannot be speech).
                speech = np.array([r["isSpeech"] == "1" and float(r["speechScoreDb"]) >= OFFSET_DB for r in mine])
                x = np.array([[float(r[f]) for f in FEATURES] for r in mine])
                label = frames(truth["segments"][party], len(mine))
                xs, ys = data[truth["condition"]["split"]]
                xs.append(x[speech])
                ys.append(label[speech])
    x_tune, y_tune = np.concatenate(data["tune"][0]), np.concatenate(data["tune"][1]).astype(float)
    design = np.c_[np.ones(len(x_tune)), x_tune]
    w = np.zeros(design.shape[1])
    for _ in range(50):  # Newton's method
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y_tune) / len(y_tune)
        hessian = (design.T * (p * (1 - p))) @ design / len(y_tune) + 1e-6 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    print(f"static let weights = Weights(bias: {w[0]:.3f}, belowPeak: {w[1]:.3f}, bandModulation: {w[2]:.3f}, loudness: {w[3]:.3f})")
    for split, (xs, ys) in data.items():
        x, y = np.concatenate(xs), np.concatenate(ys)
        z = np.c_[np.ones(len(x)), x] @ w
        print(f"{split}: {len(y)} speech frames, {y.mean():.2f} of them the near talker's; frame AUC {auc(z, y):.3f}")


if __name__ == "__main__":
    main()
