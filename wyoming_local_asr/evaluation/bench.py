"""Speed and memory, side by side in one run: int8 vs fp32, model vs decoder, pipeline stages,
denoise on vs off, and pocketsphinx as a baseline, on the same clips.

Each configuration runs in its own process (`bench_worker`), one after the other, with one
thread for numpy/onnxruntime unless told otherwise, so that its peak resident memory and model
load time are its own. The figures that matter are the ratios between configurations
measured in the same run on the same machine: absolute times vary with the machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..progress import Progress
from .bench_worker import spec_to_json
from .corpus import load_corpus
from .server_bench import SERVER_CONFIGS, latency_cell, run_server_config
from .systems import SystemSpec

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Configuration:
    label: str
    spec: SystemSpec


FAST_BEAM = 16


def configurations(model_dir: Path | None, threads: int = 1) -> list[Configuration]:
    """The configurations compared: ours in int8 (the server default), fp32, without RNNoise,
    with a narrow beam, and the pocketsphinx baseline behind the same pipeline."""
    base = Settings(threads=threads)
    configs = []
    if model_dir is not None:
        base = replace(base, model=str(model_dir))
        configs += [
            Configuration("int8", SystemSpec("local", base)),
            Configuration("fp32", SystemSpec("local", replace(base, precision="fp32"))),
            Configuration(
                "int8, denoise always",
                SystemSpec("local", replace(base, denoise_below_snr=float("inf"))),
            ),
            Configuration("int8, no denoise", SystemSpec("local", replace(base, denoise=False))),
            Configuration(
                f"int8, beam {FAST_BEAM}", SystemSpec("local", replace(base, beam=FAST_BEAM))
            ),
        ]
    configs.append(Configuration("pocketsphinx", SystemSpec("pocketsphinx", base)))
    return configs


def run_configuration(
    config: Configuration, corpus: Path, threads: int = 1, timeout: float = 1800.0
) -> dict[str, Any]:
    """Measure one configuration in a fresh Python process."""
    env = dict(os.environ)
    for variable in THREAD_VARIABLES:
        env.setdefault(variable, str(threads))
    command = [
        sys.executable,
        "-m",
        "wyoming_local_asr.evaluation.bench_worker",
        spec_to_json(config.spec),
        str(corpus),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{config.label} failed:\n{result.stderr.strip()[-2000:]}")
    document: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    document["label"] = config.label
    return document


def run_bench(
    corpus: Path, model_dir: Path | None, threads: int = 1, show_progress: bool = True
) -> dict[str, Any]:
    configs = configurations(model_dir, threads)
    server_configs = SERVER_CONFIGS if model_dir is not None else ()
    results = []
    servers = []
    with Progress("bench", total=len(configs) + len(server_configs)) as progress:
        for config in configs:
            results.append(run_configuration(config, corpus, threads))
            progress.advance(note=config.label)
        if model_dir is not None:
            clips = load_corpus(corpus)
            for server_config in server_configs:
                servers.append(run_server_config(server_config, model_dir, clips, threads))
                progress.advance(note=server_config.label)
    return {
        "corpus": str(corpus),
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "machine": os.uname().machine,
        "results": results,
        "servers": servers,
        "ratios": ratios(results) | server_ratios(servers),
    }


def find_result(results: list[dict[str, Any]], label: str) -> dict[str, Any] | None:
    return next((r for r in results if r["label"] == label), None)


def _stage(result: dict[str, Any], stage: str) -> float:
    return float(result["summary"]["stage_rtf"].get(stage, 0.0))


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator > 0 else None


def ratios(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """The comparisons, each measured in the same run."""
    out: dict[str, float | None] = {}
    int8 = find_result(results, "int8")
    fp32 = find_result(results, "fp32")
    plain = find_result(results, "int8, no denoise")
    sphinx = find_result(results, "pocketsphinx")
    narrow = find_result(results, f"int8, beam {FAST_BEAM}")
    if int8 is not None and fp32 is not None:
        out["fp32_over_int8_model_time"] = _ratio(_stage(fp32, "model"), _stage(int8, "model"))
        out["fp32_over_int8_peak_rss"] = _ratio(fp32["peak_rss_mb"], int8["peak_rss_mb"])
    if int8 is not None:
        summary = int8["summary"]
        out["decode_over_model_time"] = _ratio(_stage(int8, "decode"), _stage(int8, "model"))
        out["recognizer_share_of_pipeline"] = _ratio(
            _stage(int8, "model") + _stage(int8, "decode"), summary["rtf"]
        )
        out["denoise_share_of_pipeline"] = _ratio(_stage(int8, "denoise"), summary["rtf"])
    if int8 is not None and plain is not None:
        out["denoise_on_over_off_rtf"] = _ratio(int8["summary"]["rtf"], plain["summary"]["rtf"])
    if int8 is not None and narrow is not None:
        out["default_over_narrow_beam_decode_time"] = _ratio(
            _stage(int8, "decode"), _stage(narrow, "decode")
        )
    if int8 is not None and sphinx is not None:
        out["pocketsphinx_over_ours_rtf"] = _ratio(sphinx["summary"]["rtf"], int8["summary"]["rtf"])
        out["pocketsphinx_over_ours_peak_rss"] = _ratio(sphinx["peak_rss_mb"], int8["peak_rss_mb"])
        out["pocketsphinx_over_ours_wer"] = _ratio(sphinx["summary"]["wer"], int8["summary"]["wer"])
    return out


def server_ratios(servers: list[dict[str, Any]]) -> dict[str, float | None]:
    """How much streaming hides: latency after audio-stop, real time against full speed."""
    out: dict[str, float | None] = {}
    on = find_result(servers, "server, denoise on")
    always = find_result(servers, "server, denoise always")
    off = find_result(servers, "server, no denoise")
    if on is not None:
        out["server_full_speed_over_real_time_latency"] = _ratio(
            on["full_speed"]["latency_median_s"], on["real_time"]["latency_median_s"]
        )
    if on is not None and off is not None:
        out["server_denoise_on_over_off_real_time_latency"] = _ratio(
            on["real_time"]["latency_median_s"], off["real_time"]["latency_median_s"]
        )
        out["server_denoise_on_over_off_peak_rss"] = _ratio(on["peak_rss_mb"], off["peak_rss_mb"])
    if on is not None and always is not None:
        for pace in ("full_speed", "real_time"):
            out[f"server_denoise_always_over_on_{pace}_latency"] = _ratio(
                always[pace]["latency_median_s"], on[pace]["latency_median_s"]
            )
    return out


RATIO_LABELS = {
    "fp32_over_int8_model_time": "acoustic model time, fp32 / int8",
    "fp32_over_int8_peak_rss": "peak memory, fp32 / int8",
    "decode_over_model_time": "decoder time / acoustic model time (int8)",
    "recognizer_share_of_pipeline": "model + decoder share of the whole pipeline time",
    "denoise_share_of_pipeline": "RNNoise share of the whole pipeline time",
    "denoise_on_over_off_rtf": "pipeline RTF, denoise on / off",
    "default_over_narrow_beam_decode_time": f"decoder time, default beam / beam {FAST_BEAM}",
    "pocketsphinx_over_ours_rtf": "RTF, pocketsphinx / ours (int8)",
    "pocketsphinx_over_ours_peak_rss": "peak memory, pocketsphinx / ours (int8)",
    "pocketsphinx_over_ours_wer": "WER, pocketsphinx / ours (int8)",
    "server_full_speed_over_real_time_latency": (
        "server latency after audio-stop, full speed / real time (denoise on)"
    ),
    "server_denoise_on_over_off_real_time_latency": (
        "server latency after audio-stop in real time, denoise on / off"
    ),
    "server_denoise_on_over_off_peak_rss": "server peak memory, denoise on / off",
    "server_denoise_always_over_on_full_speed_latency": (
        "server median latency at full speed, denoise always / on (below the SNR threshold)"
    ),
    "server_denoise_always_over_on_real_time_latency": (
        "server median latency in real time, denoise always / on (below the SNR threshold)"
    ),
}


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Benchmark",
        "",
        f"Corpus `{report['corpus']}`; {report['threads']} thread(s) per process; "
        f"{report['cpu_count']} CPUs ({report['machine']}). Each configuration ran in its own "
        "process after one warm-up utterance; RTF = processing seconds per second of audio.",
        "",
        "| configuration | WER | RTF | model | decode | denoise | VAD | latency median / p95 "
        "| load | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in report["results"]:
        s = result["summary"]
        model = _stage(result, "model") if "model" in s["stage_rtf"] else None
        lines.append(
            f"| {result['label']} | {100 * s['wer']:.1f}% | {s['rtf']:.4f} | "
            f"{_cell(model)} | {_cell(s['stage_rtf'].get('decode'))} | "
            f"{_cell(s['stage_rtf'].get('denoise'))} | {_cell(s['stage_rtf'].get('vad'))} | "
            f"{1000 * s['latency_median_s']:.0f} / {1000 * s['latency_p95_s']:.0f} ms | "
            f"{result['load_seconds']:.2f} s | {result['peak_rss_mb']:.0f} MB |"
        )
    if report.get("servers"):
        lines += [
            "",
            "The server itself (`wyoming-local-asr serve`, int8), fed over Wyoming in chunks of "
            "1024 samples; latency from `audio-stop` to `transcript`, with the audio sent at "
            "full speed (as `wyoming-bench` does) and in real time (as a microphone delivers "
            "it). Memory of the server process after all clips: peak resident set, and of the "
            "resident set at the end the private part and the file-backed part (shared "
            "libraries, the memory-mapped language model: pages the kernel can drop).",
            "",
            "| server | WER | latency, full speed (median / p95) "
            "| latency, real time (median / p95) | peak RSS | private | file-backed |",
            "|---|---|---|---|---|---|---|",
        ]
        for server in report["servers"]:
            fast, live = server["full_speed"], server["real_time"]
            lines.append(
                f"| {server['label']} | {100 * live['wer']:.1f}% | "
                f"{latency_cell(fast)} | {latency_cell(live)} | "
                f"{server['peak_rss_mb']:.0f} MB | {server['private_rss_mb']:.0f} MB | "
                f"{server['file_rss_mb']:.0f} MB |"
            )
    lines += ["", "| ratio (same run) | value |", "|---|---|"]
    for key, value in report["ratios"].items():
        lines.append(f"| {RATIO_LABELS.get(key, key)} | {_cell(value, 2)} |")
    return "\n".join(lines) + "\n"


def _cell(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def write_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """bench.json, bench.md and (when matplotlib is installed) bench.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "bench.json", out_dir / "bench.md"]
    written[0].write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    written[1].write_text(to_markdown(report), encoding="utf-8")
    from .bench_plot import plot

    png = plot(report, out_dir / "bench.png")
    if png is not None:
        written.append(png)
    return written
