"""A generated ECG trace (lead II look) per canonical rhythm, for the patient-monitor preview.

Pure Python, no Qt: ``ecg_samples(waveform, hr)`` returns millivolt-like samples, bounded to
``[-LIMIT, LIMIT]``, at ``rate`` samples per second. Each beat is a sum of Gaussian bumps (P, Q, R,
S, T); rhythms place beats (regular, irregular, dropped, dissociated) and change their shape (wide
QRS, no P, ST elevation …); fibrillation, flutter and torsades are drawn as continuous waves. The
shapes are teaching sketches, not a clinical simulator; a fixed seed keeps them repeatable.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

#: Samples never leave [-LIMIT, LIMIT].
LIMIT = 2.0
DEFAULT_RATE = 250
DEFAULT_SECONDS = 4.0


@dataclass(frozen=True, slots=True)
class Beat:
    """The shape of one beat, times in seconds relative to the R peak, amplitudes in mV."""

    p: float = 0.15  # P wave amplitude (0: no P)
    pr: float = 0.16  # P to R interval
    qrs_width: float = 0.012  # sigma of the R bump; wide complexes are ~0.035
    r: float = 1.0
    s: float = -0.25
    st: float = 0.0  # ST segment shift (+ elevation, - depression)
    t: float = 0.3
    t_width: float = 0.05
    qt: float = 0.3  # R to T peak
    delta: float = 0.0  # WPW delta wave amplitude
    r_prime: float = 0.0  # second R (right bundle branch block)
    spike: bool = False  # pacemaker spike before the QRS


NORMAL = Beat()
WIDE = Beat(p=0.0, qrs_width=0.035, r=1.3, s=-0.4, t=-0.4, t_width=0.08, qt=0.34)
NO_P = replace(NORMAL, p=0.0)


@dataclass(slots=True)
class _Trace:
    rate: int
    values: list[float]

    def bump(self, centre: float, amp: float, sigma: float) -> None:
        """Add a Gaussian bump centred at ``centre`` seconds."""
        if amp == 0.0 or sigma <= 0:
            return
        n = len(self.values)
        lo = max(0, int((centre - 4 * sigma) * self.rate))
        hi = min(n - 1, int((centre + 4 * sigma) * self.rate) + 1)
        two_s2 = 2 * sigma * sigma
        for i in range(lo, hi + 1):
            d = i / self.rate - centre
            self.values[i] += amp * math.exp(-d * d / two_s2)

    def beat(self, r_time: float, shape: Beat) -> None:
        """Add one complete beat whose R peak falls at ``r_time``."""
        w = shape.qrs_width
        if shape.p:
            self.bump(r_time - shape.pr, shape.p, 0.025)
        if shape.spike:
            self.bump(r_time - 0.06, 1.6, 0.002)
        if shape.delta:
            self.bump(r_time - 0.04, shape.delta, 0.025)
        self.bump(r_time - 2.5 * w, -0.1, w)
        self.bump(r_time, shape.r, w)
        self.bump(r_time + 2.5 * w, shape.s, w)
        if shape.r_prime:
            self.bump(r_time + 5 * w, shape.r_prime, w)
        if shape.st:
            self.bump(r_time + (shape.qt + 2.5 * w) / 2, shape.st, 0.06)
        self.bump(r_time + shape.qt, shape.t, shape.t_width)

    def p_only(self, r_time: float, shape: Beat) -> None:
        """A P wave with no QRS after it (a dropped beat)."""
        self.bump(r_time - shape.pr, shape.p or 0.15, 0.025)

    def add(self, fn: Callable[[float], float]) -> None:
        """Add a continuous wave ``fn(t)``."""
        for i in range(len(self.values)):
            self.values[i] += fn(i / self.rate)


def _regular(interval: float, seconds: float, start: float = 0.3) -> list[float]:
    times: list[float] = []
    t = start
    while t < seconds + interval:
        times.append(t)
        t += interval
    return times


def _beats(trace: _Trace, times: list[float], shape: Beat) -> None:
    for t in times:
        trace.beat(t, shape)


def _sinus_like(shape: Beat) -> Callable[[_Trace, float, float, random.Random], None]:
    def draw(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
        _beats(trace, _regular(60.0 / hr, seconds), shape)

    return draw


def _sinus_arrhythmia(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
    t = 0.3
    while t < seconds + 1:
        trace.beat(t, NORMAL)
        t += (60.0 / hr) * (1 + 0.18 * math.sin(2 * math.pi * t / 4.0))


def _af(trace: _Trace, hr: float, seconds: float, rng: random.Random) -> None:
    t = 0.2
    while t < seconds + 1:
        trace.beat(t, NO_P)
        t += (60.0 / hr) * rng.uniform(0.6, 1.4)
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    trace.add(
        lambda s: (
            0.04
            * sum(math.sin(2 * math.pi * f * s + p) for f, p in zip((5.3, 6.7, 8.1), phases, strict=True))
        )
    )


def _flutter(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
    _beats(trace, _regular(60.0 / hr, seconds), NO_P)
    trace.add(lambda s: 0.18 * (((s * 5.0) % 1.0) - 0.5) * -1)  # 300/min sawtooth, negative slope


def _vt(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
    _beats(trace, _regular(60.0 / hr, seconds, 0.15), WIDE)


def _vf(trace: _Trace, _hr: float, seconds: float, rng: random.Random) -> None:
    parts = [(rng.uniform(3.5, 7.0), rng.uniform(0.2, 0.45), rng.uniform(0, 2 * math.pi)) for _ in range(5)]
    slow = rng.uniform(0, 2 * math.pi)
    trace.add(
        lambda s: (
            (0.6 + 0.4 * math.sin(0.9 * s + slow))
            * sum(a * math.sin(2 * math.pi * f * s + p) for f, a, p in parts)
        )
    )


def _torsades(trace: _Trace, _hr: float, seconds: float, _rng: random.Random) -> None:
    trace.add(lambda s: 1.2 * math.sin(math.pi * s / 1.6) * math.sin(2 * math.pi * 4.0 * s))


def _asystole(trace: _Trace, _hr: float, seconds: float, _rng: random.Random) -> None:
    trace.add(lambda s: 0.015 * math.sin(2 * math.pi * 0.3 * s))  # slight baseline wander


def _mobitz1(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
    interval = 60.0 / hr * 0.8  # atrial interval; one P in four is not conducted
    for i, t in enumerate(_regular(interval, seconds)):
        step = i % 4
        if step == 3:
            trace.p_only(t + 0.32, NORMAL)
        else:
            pr = 0.16 + 0.08 * step
            trace.beat(t + pr, replace(NORMAL, pr=pr))


def _mobitz2(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
    interval = 60.0 / hr * 2 / 3  # every third P is not conducted
    for i, t in enumerate(_regular(interval, seconds)):
        if i % 3 == 2:
            trace.p_only(t + 0.2, NORMAL)
        else:
            trace.beat(t + 0.2, replace(NORMAL, pr=0.2, qrs_width=0.02))


def _third_degree(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
    for t in _regular(60.0 / 80.0, seconds, 0.1):  # atria at 80/min
        trace.bump(t, 0.15, 0.025)
    _beats(trace, _regular(60.0 / hr, seconds, 0.45), replace(WIDE, r=1.0, t=-0.3))


def _ectopic(every: int, shape: Beat) -> Callable[[_Trace, float, float, random.Random], None]:
    """Sinus rhythm with every ``every``-th beat early and of another shape."""

    def draw(trace: _Trace, hr: float, seconds: float, _rng: random.Random) -> None:
        interval = 60.0 / hr
        t = 0.3
        i = 0
        while t < seconds + interval:
            if (i + 1) % every == 0:
                trace.beat(t - 0.3 * interval, shape)
                t += interval * 1.3 if shape.p == 0 else interval
            else:
                trace.beat(t, NORMAL)
                t += interval
            i += 1

    return draw


_Drawer = Callable[[_Trace, float, float, random.Random], None]

_RHYTHMS: dict[str, _Drawer] = {
    "sinus_ecg": _sinus_like(NORMAL),
    "sinus_tachycardia_ecg": _sinus_like(replace(NORMAL, qt=0.24)),
    "sinus_bradycardia_ecg": _sinus_like(NORMAL),
    "sinus_arrhythmia_ecg": _sinus_arrhythmia,
    "atrial_fibrillation_ecg": _af,
    "atrial_flutter_ecg": _flutter,
    "svt_ecg": _sinus_like(replace(NO_P, qt=0.2, t=0.2)),
    "ventricular_tachycardia_ecg": _vt,
    "pulseless_vt_ecg": _vt,
    "ventricular_fibrillation_ecg": _vf,
    "torsades_ecg": _torsades,
    "asystole_ecg": _asystole,
    "pea_ecg": _sinus_like(replace(NORMAL, r=0.6, qrs_width=0.02)),
    "junctional_ecg": _sinus_like(NO_P),
    "accelerated_junctional_ecg": _sinus_like(NO_P),
    "idioventricular_ecg": _sinus_like(WIDE),
    "accelerated_idioventricular_ecg": _sinus_like(WIDE),
    "first_degree_av_block_ecg": _sinus_like(replace(NORMAL, pr=0.32)),
    "second_degree_av_block_type1_ecg": _mobitz1,
    "second_degree_av_block_type2_ecg": _mobitz2,
    "third_degree_av_block_ecg": _third_degree,
    "paced_ecg": _sinus_like(replace(WIDE, spike=True, r=1.0)),
    "stemi_ecg": _sinus_like(replace(NORMAL, st=0.35, t=0.45, s=-0.05)),
    "st_depression_ecg": _sinus_like(replace(NORMAL, st=-0.2, t=0.1)),
    "pvc_ecg": _ectopic(4, WIDE),
    "pac_ecg": _ectopic(5, replace(NORMAL, p=0.1, pr=0.12)),
    "bigeminy_ecg": _ectopic(2, WIDE),
    "wpw_ecg": _sinus_like(replace(NORMAL, pr=0.1, delta=0.3, qrs_width=0.018)),
    "hyperkalemia_ecg": _sinus_like(replace(NORMAL, p=0.06, t=0.8, t_width=0.035, qrs_width=0.02)),
    "long_qt_ecg": _sinus_like(replace(NORMAL, qt=0.46, t_width=0.07)),
    "lbbb_ecg": _sinus_like(replace(NORMAL, qrs_width=0.03, s=-0.1, t=-0.25)),
    "rbbb_ecg": _sinus_like(replace(NORMAL, qrs_width=0.016, r_prime=0.6, s=-0.35)),
}

#: Heart rate drawn when the vitals give none (or 0 for a rhythm that still shows complexes).
_FALLBACK_HR = {"pea_ecg": 50.0, "pulseless_vt_ecg": 180.0, "ventricular_tachycardia_ecg": 170.0}


def known_rhythms() -> list[str]:
    """Canonical waveform names that have their own drawn shape."""
    return sorted(_RHYTHMS)


def ecg_samples(
    waveform: str | None,
    hr: float | None,
    *,
    seconds: float = DEFAULT_SECONDS,
    rate: int = DEFAULT_RATE,
    seed: int = 7,
) -> list[float]:
    """``int(seconds * rate)`` samples of the rhythm at ``hr`` beats/min (unknown names draw sinus).

    Heart rates are clamped to 20–300; a missing or zero rate uses the rhythm's own typical rate.
    """
    count = max(0, int(seconds * rate))
    trace = _Trace(rate, [0.0] * count)
    name = waveform if waveform in _RHYTHMS else "sinus_ecg"
    rate_bpm = float(hr) if isinstance(hr, int | float) and math.isfinite(hr) and hr > 0 else 0.0
    if rate_bpm <= 0:
        rate_bpm = _FALLBACK_HR.get(name, 75.0)
    rate_bpm = min(300.0, max(20.0, rate_bpm))
    if count:
        _RHYTHMS[name](trace, rate_bpm, seconds, random.Random(seed))
    return [min(LIMIT, max(-LIMIT, v)) for v in trace.values]
